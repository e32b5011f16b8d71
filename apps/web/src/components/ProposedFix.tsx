import type { ChatAction, Diagnosis } from '#contracts';
import { expired, fixActions } from '../lib/chat-reply';
import { DiffView } from './DiffView';

export interface ProposedFixProps {
  diagnosis: Diagnosis;
  actions: readonly ChatAction[];
  /** The pressed button of this reply (`type:id`), if any. */
  answered?: string;
  disabled: boolean;
  onAccept: (action: ChatAction) => void;
}

/** A diagnosis's proposed fix: what it changes (settings or a file's diff) and the button that applies it and redeploys. */
export function ProposedFix({ diagnosis, actions, answered, disabled, onAccept }: ProposedFixProps) {
  const fix = diagnosis.fix;
  if (!fix) return null;
  const offered = fixActions(diagnosis, actions);
  // The patch is the lasting fix, so it is the one to accept; the setting stays on offer beside it.
  const accept = offered.patch ?? offered.settings;
  const instead = offered.patch ? offered.settings : undefined;
  const settings = fix.settings
    ? Object.entries(fix.settings).flatMap(([key, value]) =>
        value === undefined ? [] : [`${key}: ${typeof value === 'object' && value !== null ? Object.keys(value).join(', ') || '—' : String(value)}`],
      )
    : [];
  return (
    <section className="proposed-fix" data-testid="proposed-fix" data-rule={diagnosis.rule}>
      <h3 className="proposed-fix-title">Proposed fix: {fix.summary}</h3>
      {settings.length > 0 && (
        <ul className="proposed-fix-settings">
          {settings.map((line) => (
            <li key={line}>
              <code>{line}</code>
            </li>
          ))}
        </ul>
      )}
      {fix.patch && (
        <>
          <p className="muted proposed-fix-file">
            Patch to <code>{fix.patch.file}</code>
          </p>
          <DiffView diff={fix.patch.diff} />
        </>
      )}
      {fix.needsValues?.length ? <p className="muted">Needs a value only you know: {fix.needsValues.join(', ')}</p> : null}
      {accept && (
        <button
          type="button"
          className="button"
          data-testid="fix-accept"
          disabled={disabled || answered !== undefined || expired(accept)}
          title={expired(accept) ? 'This offer expired: ask again.' : undefined}
          onClick={() => onAccept(accept)}
        >
          {answered === `confirm:${accept.id}` ? 'Accepted' : 'Accept fix and redeploy'}
        </button>
      )}
      {instead && (
        <button
          type="button"
          className="button button-secondary"
          data-testid="fix-accept-settings"
          disabled={disabled || answered !== undefined || expired(instead)}
          title={expired(instead) ? 'This offer expired: ask again.' : 'Change the setting instead of the file'}
          onClick={() => onAccept(instead)}
        >
          {answered === `confirm:${instead.id}` ? 'Accepted' : 'Use the setting instead'}
        </button>
      )}
    </section>
  );
}
