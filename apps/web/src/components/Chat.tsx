import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { ChatEntry, MessageContext } from '../hooks/use-servergem';
import { Markdown } from './Markdown';

export interface ChatProps {
  entries: readonly ChatEntry[];
  connected: boolean;
  awaitingReply: boolean;
  githubToken: string;
  onSend: (message: string, context?: MessageContext) => void;
}

const ACTION = /^\s*(deploy|analyze)\b/i;

/** The conversation with the orchestrator agent: "deploy https://github.com/x/y", "analyze ./app", questions. */
export function Chat({ entries, connected, awaitingReply, githubToken, onSend }: ChatProps) {
  const [text, setText] = useState('');
  const listRef = useRef<HTMLOListElement>(null);
  const inputId = useId();

  useEffect(() => {
    const list = listRef.current;
    if (list) list.scrollTop = list.scrollHeight;
  }, [entries.length, awaitingReply]);

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    const message = text.trim();
    if (!message || !connected) return;
    // The GitHub token only travels with requests that may fetch a repository.
    onSend(message, githubToken && ACTION.test(message) ? { githubToken } : undefined);
    setText('');
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
            {entry.from === 'agent' ? <Markdown text={entry.content} /> : <p className="chat-text">{entry.content}</p>}
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
