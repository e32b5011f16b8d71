import type { ChatIntent } from '#contracts';
import { intentParts } from '../lib/chat-reply';

/** What the agent understood a message to ask for, compactly, under its reply. */
export function IntentChip({ intent }: { intent: ChatIntent }) {
  const parts = intentParts(intent);
  const title = `Understood as ${intent.kind}${intent.planner ? ` (${intent.planner} planner)` : ''}`;
  return (
    <p className="intent-chip" data-testid="chat-intent" data-kind={intent.kind} title={title}>
      <span className="visually-hidden">Understood: </span>
      <span className="intent-kind">{parts[0]}</span>
      {parts.slice(1).map((part) => (
        <span key={part} className="intent-part">
          {part}
        </span>
      ))}
      {intent.confirmation === 'required' && <span className="intent-flag intent-flag-wait">needs your confirmation</span>}
      {intent.confirmation === 'confirmed' && <span className="intent-flag">confirmed</span>}
    </p>
  );
}
