import type { ownedSettingsChangeSubject, ResponseOf } from '#contracts';

export type SettingsChangeAnswer = ResponseOf<typeof ownedSettingsChangeSubject>;

/** What a settings change did, in the server's words: a rebuild (and which build-time names made it one) or a new revision of the same build. Names only, never a value. */
export function settingsOutcome(answer: SettingsChangeAnswer): string {
  const { name, changed, buildChanged, deploymentId, rolloutKind } = answer;
  const version = `settings version ${answer.settings.version}`;
  if (changed.length === 0) return `Nothing changed (${version}).`;
  if (!deploymentId) return `Saved as ${version} (${changed.join(', ')}). Nothing serves ${name} yet, so its next deployment uses them.`;
  if (rolloutKind === 'rebuild') {
    const also = changed.filter((n) => !buildChanged.includes(n));
    return (
      `Rebuilding ${name} because build-time ${buildChanged.length > 1 ? 'settings' : 'setting'} ${buildChanged.join(', ')} changed: ` +
      `it is built again from the source it serves (${version}${also.length ? `, with ${also.join(', ')} too` : ''}).`
    );
  }
  return `Rolling out a new revision of the same build of ${name} (${version}: ${changed.join(', ')}), no rebuild.`;
}
