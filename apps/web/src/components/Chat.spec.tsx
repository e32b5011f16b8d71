// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChatEntry } from '../hooks/use-servergem';
import { Chat } from './Chat';

afterEach(cleanup);

describe(Chat.name, () => {
  it('renders the agent’s Markdown but never its HTML', () => {
    const entries: ChatEntry[] = [
      {
        id: '1',
        from: 'agent',
        content: '**Detected** `express`\n\n<script>window.__pwned=1</script><img src=x onerror="alert(1)">\n\n[link](javascript:alert(1))',
      },
    ];
    const { container } = render(<Chat entries={entries} connected awaitingReply={false} githubToken="" onSend={() => undefined} />);
    expect(container.querySelector('strong')?.textContent).toBe('Detected');
    expect(container.querySelector('script')).toBeNull();
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('a')?.getAttribute('href') ?? '').not.toMatch(/^javascript:/);
  });

  it('sends on Enter, with the GitHub token only for a deploy or analyze', () => {
    const onSend = vi.fn();
    render(<Chat entries={[]} connected awaitingReply={false} githubToken="ghp_secret" onSend={onSend} />);
    const input = screen.getByTestId('chat-input');
    fireEvent.change(input, { target: { value: 'what can you do?' } });
    fireEvent.keyDown(input, { key: 'Enter' });
    fireEvent.change(input, { target: { value: 'deploy https://github.com/x/y' } });
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(onSend.mock.calls).toEqual([
      ['what can you do?', undefined],
      ['deploy https://github.com/x/y', { githubToken: 'ghp_secret' }],
    ]);
  });
});
