/** Types for bin/build-stamp.js, the launcher's build-freshness check (used by its tests). */
export type StampTarget = 'server' | 'web';
export function snapshot(root: string, target: StampTarget): Record<string, number>;
export function isFresh(root: string, target: StampTarget): boolean;
export function writeStamp(root: string, target: StampTarget, entries: Record<string, number>): void;
