import type { ChatAction, ChatIntent, ChatIntentKind } from '#contracts';
import type { CommandCall } from '../commands/command-catalog.js';

/** What a planner decided for one message; planning never runs anything. */
export type Plan =
  /** Run this command (a destructive one only after a confirmation button). */
  | { type: 'call'; call: CommandCall }
  /** Answer without running anything: help, or a question with buttons. */
  | { type: 'reply'; intent: ChatIntent; content: string; actions: ChatAction[] }
  /** About the confirmation the last reply offered: dismiss it, or say it needs the button. */
  | { type: 'pending'; decision: 'dismiss' | 'remind' };

/** `metadata.intent` for a command call: its kind and the names and ids it touches, never a value. */
export function intentOfCall(call: CommandCall): ChatIntent {
  const input = call.input as Record<string, unknown>;
  const pick = (key: string) => (typeof input[key] === 'string' ? { [key]: input[key] as string } : {});
  const envNames =
    call.command === 'set_env'
      ? Object.keys(call.input.env)
      : call.command === 'unset_env'
        ? call.input.names
        : call.command === 'update_settings'
          ? [...Object.keys(call.input.change.env ?? {}), ...Object.keys(call.input.change.secrets ?? {}), ...(call.input.change.unset ?? [])]
          : undefined;
  return {
    kind: call.command satisfies ChatIntentKind,
    ...pick('repoUrl'),
    ...pick('branch'),
    ...pick('appPath'),
    ...pick('service'),
    ...pick('revision'),
    ...pick('deploymentId'),
    ...(envNames && envNames.length > 0 ? { envNames } : {}),
  };
}

export function replyPlan(intent: ChatIntent, content: string, actions: ChatAction[] = []): Plan {
  return { type: 'reply', intent, content, actions };
}

/** A button that sends `message` as the user's next message. */
export function replyButton(label: string, message: string, style: ChatAction['style'] = 'secondary'): ChatAction {
  return { id: `reply:${message}`.slice(0, 200), label, type: 'reply', message, style };
}

/** Text from the user shown back inside a reply: one line, no markdown or HTML that could act. */
export function quote(text: string, max = 80): string {
  const clean = text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f`<>*_[\]()|\\]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return `\`${clean.length > max ? `${clean.slice(0, max - 1)}…` : clean}\``;
}
