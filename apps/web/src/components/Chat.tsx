import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { ChatAction } from '#contracts';
import type { ChatEntry, MessageContext } from '../hooks/use-servergem';
import { fixActions, withoutDiffBlocks } from '../lib/chat-reply';
import { ChatActions } from './ChatActions';
import { IntentChip } from './IntentChip';
import { Markdown } from './Markdown';
import { ProposedFix } from './ProposedFix';

export interface ChatProps {
  entries: readonly ChatEntry[];
  connected: boolean;
  awaitingReply: boolean;
  githubToken: string;
  onSend: (message: string, context?: MessageContext) => void;
  /** A reply's confirm / dismiss button was pressed. */
  onPress?: (entryId: string, action: ChatAction) => void;
}

const ACTION = /^\s*(deploy|analyze)\b/i;

/** The conversation with the orchestrator agent: "deploy https://github.com/x/y", "analyze ./app", questions. */
export function Chat({ entries, connected, awaitingReply, githubToken, onSend, onPress }: ChatProps) {
  const [text, setText] = useState('');
  const listRef = useRef<HTMLOListElement>(null);
  const inputId = useId();
  const inputRef = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    const list = listRef.current;
    if (list) list.scrollTop = list.scrollHeight;
  }, [entries.length, awaitingReply]);

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    const message = text.trim();
    if (!message || !connected) return;
    // The GitHub token only travels with requests that may fetch a repository.
    sendText(message);
    setText('');
  };

  const sendText = (message: string) => onSend(message, githubToken && ACTION.test(message) ? { githubToken } : undefined);

  const press = (entry: ChatEntry, action: ChatAction) => {
    if (action.type === 'prompt') {
      // A value only the user knows: the message waits in the box for them to finish it.
      setText(action.message ?? '');
      inputRef.current?.focus();
    } else if (action.type === 'confirm' || action.type === 'dismiss') onPress?.(entry.id, action);
    else if (action.message) sendText(action.message);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) submit(event);
  };

  return (
    <section className="card chat" aria-labelledby="chat-title">
      <h2 id="chat-title">Chat</h2>
      <ol className="chat-list" ref={listRef} aria-live="polite" data-testid="chat-messages">
        {entries.length === 0 && <li className="chat-empty">Ask the agent to deploy or analyze a repository, or ask what it can do.</li>}
        {entries.map((entry) => (
          <li key={entry.id} className={`chat-entry chat-${entry.from}`}>
            <span className="visually-hidden">{entry.from === 'user' ? 'You:' : entry.from === 'agent' ? 'ServerGem:' : 'Error:'}</span>
            {entry.from === 'agent' ? (
              <AgentReply entry={entry} connected={connected} onPress={(action) => press(entry, action)} />
            ) : (
              <p className="chat-text">{entry.content}</p>
            )}
            {entry.hint && <p className="chat-hint">{entry.hint}</p>}
          </li>
        ))}
        {awaitingReply && (
          <li className="chat-entry chat-agent chat-pending" aria-label="ServerGem is replying">
            <span className="dots" aria-hidden="true">
              <span />
              <span />
              <span />
            </span>
          </li>
        )}
      </ol>
      <form className="chat-form" onSubmit={submit}>
        <label htmlFor={inputId} className="visually-hidden">
          Message
        </label>
        <textarea
          id={inputId}
          ref={inputRef}
          data-testid="chat-input"
          rows={2}
          placeholder={connected ? 'deploy https://github.com/owner/repo' : 'Waiting for the server…'}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
        />
        <button type="submit" className="button" data-testid="chat-send" disabled={!connected || !text.trim()}>
          Send
        </button>
      </form>
    </section>
  );
}

/** One reply: its text, the fixes it proposes (with their diffs), its buttons and what the agent understood. */
function AgentReply({ entry, connected, onPress }: { entry: ChatEntry; connected: boolean; onPress: (action: ChatAction) => void }) {
  const actions = entry.actions ?? [];
  const fixes = (entry.diagnoses ?? []).filter((d) => d.fix);
  const fixButtons = new Set(fixes.flatMap((d) => Object.values(fixActions(d, actions)).map((a) => a?.id)).filter(Boolean));
  // Each patch shows once, in its fix panel.
  const content = fixes.some((d) => d.fix?.patch) ? withoutDiffBlocks(entry.content) : entry.content;
  return (
    <>
      <Markdown text={content} />
      {fixes.map((diagnosis) => (
        <ProposedFix
          key={diagnosis.rule + diagnosis.title}
          diagnosis={diagnosis}
          actions={actions}
          answered={entry.answered}
          disabled={!connected}
          onAccept={onPress}
        />
      ))}
      <ChatActions actions={actions.filter((a) => !fixButtons.has(a.id))} answered={entry.answered} disabled={!connected} onPress={onPress} />
      {entry.intent && <IntentChip intent={entry.intent} />}
    </>
  );
}
