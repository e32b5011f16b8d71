import { gunzipSync } from 'node:zlib';

export interface TarListingEntry {
  path: string;
  type: string;
  content: Buffer;
}

/** Reads a .tar.gz (ustar, with pax `path` records) into its entries, for asserting what was archived. */
export function listTarGz(archive: Buffer): TarListingEntry[] {
  const tar = gunzipSync(archive);
  const entries: TarListingEntry[] = [];
  let paxPath: string | undefined;
  for (let at = 0; at + 512 <= tar.length;) {
    const header = tar.subarray(at, at + 512);
    if (header.every((byte) => byte === 0)) break;
    const field = (start: number, length: number) => header.toString('utf8', start, start + length).replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1) || '0';
    const content = tar.subarray(at + 512, at + 512 + size);
    at += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      paxPath = /\d+ path=([^\n]*)\n/.exec(content.toString('utf8'))?.[1];
      continue;
    }
    const prefix = field(345, 155);
    const path = paxPath ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    paxPath = undefined;
    entries.push({ path, type, content: Buffer.from(content) });
  }
  return entries;
}
