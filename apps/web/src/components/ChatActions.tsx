import type { ChatAction } from '#contracts';
import { expired } from '../lib/chat-reply';

export interface ChatActionsProps {
  actions: readonly ChatAction[];
  /** The pressed button of this reply (`type:id`): a confirmation is answered once. */
  answered?: string;
  disabled: boolean;
  onPress: (action: ChatAction) => void;
}

const CONFIRMATION = new Set(['confirm', 'dismiss']);

/** The buttons under a reply: answers to send, a value to type, a confirmation of something destructive. */
export function ChatActions({ actions, answered, disabled, onPress }: ChatActionsProps) {
  if (!actions.length) return null;
  return (
    <div className="chat-actions" role="group" aria-label="Answers">
      {actions.map((action) => {
        const spent = CONFIRMATION.has(action.type) && answered !== undefined;
        const late = action.type === 'confirm' && expired(action);
        const style = action.style === 'danger' ? 'button-danger' : action.style === 'secondary' ? 'button-secondary' : '';
        return (
          <button
            key={`${action.type}:${action.id}`}
            type="button"
            className={`button button-small ${style}`}
            data-testid="chat-action"
            data-action-type={action.type}
            data-pressed={answered === `${action.type}:${action.id}` ? 'true' : undefined}
            disabled={disabled || spent || late}
            title={late ? 'This confirmation expired: ask again.' : action.type === 'prompt' ? 'Puts the message in the box for you to finish' : undefined}
            onClick={() => onPress(action)}
          >
            {action.label}
          </button>
        );
      })}
    </div>
  );
}
