// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChatAction } from '#contracts';
import type { ChatEntry } from '../hooks/use-servergem';
import { Chat } from './Chat';

afterEach(cleanup);

const CONFIRM_ID = '7f0c2a4e-3b7d-4a59-9a55-2d7c0f5e1a10';
const later = new Date(Date.now() + 3_600_000).toISOString();

const rollback: ChatEntry = {
  id: 'r1',
  from: 'agent',
  content: 'Roll **node-hello** back to revision `abc`? Press Confirm.',
  intent: { kind: 'rollback', service: 'node-hello', planner: 'deterministic', confirmation: 'required' },
  actions: [
    { id: CONFIRM_ID, label: 'Confirm', type: 'confirm', style: 'danger', expiresAt: later },
    { id: CONFIRM_ID, label: 'Cancel', type: 'dismiss', style: 'secondary' },
  ],
};

const diff =
  '--- a/server.js\n+++ b/server.js\n@@ -1,1 +1,1 @@\n-app.listen(3000)\n+app.listen(process.env.PORT ?? 3000) // <script>window.__pwned=1</script>\n';
const patchId = '2b1d2c9e-6a44-4f0e-8a3a-0d4c1b2e3f40';
const diagnosisReply: ChatEntry = {
  id: 'd1',
  from: 'agent',
  content: `Deployment failed at **deploy**\n\n### Fixed port\nThe app listens on 3000.\n\n**Proposed fix:** listen on PORT\n\`\`\`diff\n${diff.trimEnd()}\n\`\`\`\n`,
  intent: { kind: 'explain_failure', deploymentId: '11111111-2222-3333-4444-555555555555', planner: 'deterministic' },
  diagnoses: [
    {
      rule: 'fixed-port',
      title: 'Fixed port',
      explanation: 'The app listens on 3000.',
      evidence: ['listening on 3000'],
      fix: { summary: 'listen on PORT', patch: { file: 'server.js', diff } },
    },
  ],
  actions: [
    { id: patchId, label: 'Apply patch to server.js', type: 'confirm', style: 'primary', expiresAt: later },
    { id: 'reply:status', label: 'Status', type: 'reply', message: 'status' },
  ],
};

function renderChat(entries: ChatEntry[], onSend = vi.fn(), onPress = vi.fn()) {
  const view = render(<Chat entries={entries} connected awaitingReply={false} githubToken="ghp_x" onSend={onSend} onPress={onPress} />);
  return { ...view, onSend, onPress };
}

describe('chat replies', () => {
  it('shows what the agent understood, compactly', () => {
    renderChat([rollback]);
    const chip = screen.getByTestId('chat-intent');
    expect(chip.getAttribute('data-kind')).toBe('rollback');
    expect(chip.textContent).toContain('rollback');
    expect(chip.textContent).toContain('node-hello');
    expect(chip.textContent).toContain('needs your confirmation');
  });

  it('sends a pressed confirmation as the button it is, and a danger one looks like one', () => {
    const { onPress } = renderChat([rollback]);
    const [confirm, cancel] = screen.getAllByTestId('chat-action');
    expect(confirm.className).toContain('button-danger');
    expect(cancel.getAttribute('data-action-type')).toBe('dismiss');
    fireEvent.click(confirm);
    expect(onPress).toHaveBeenCalledWith('r1', rollback.actions![0]);
  });

  it('spends both buttons of a confirmation once it is answered, and an expired one', () => {
    renderChat([{ ...rollback, answered: `confirm:${CONFIRM_ID}` }]);
    const buttons = screen.getAllByTestId('chat-action') as HTMLButtonElement[];
    expect(buttons.map((b) => b.disabled)).toEqual([true, true]);
    expect(buttons[0].getAttribute('data-pressed')).toBe('true');
    cleanup();
    const old: ChatAction = { ...rollback.actions![0], expiresAt: new Date(Date.now() - 1000).toISOString() };
    renderChat([{ ...rollback, actions: [old] }]);
    expect((screen.getByTestId('chat-action') as HTMLButtonElement).disabled).toBe(true);
  });

  it('sends a reply button’s message, and puts a prompt button’s message in the box to finish', () => {
    const clarify: ChatEntry = {
      id: 'c1',
      from: 'agent',
      content: 'Which repository should I deploy?',
      intent: { kind: 'clarify' },
      actions: [
        { id: 'reply:deploy', label: 'Deploy it', type: 'reply', message: 'deploy https://github.com/x/y', style: 'primary' },
        { id: 'prompt:GREETING', label: 'Set GREETING…', type: 'prompt', message: 'set GREETING= on needs-env' },
      ],
    };
    const { onSend, onPress } = renderChat([clarify]);
    expect(screen.getByText('Which repository should I deploy?')).toBeTruthy();
    const [deploy, prompt] = screen.getAllByTestId('chat-action');
    fireEvent.click(deploy);
    expect(onSend).toHaveBeenCalledWith('deploy https://github.com/x/y', { githubToken: 'ghp_x' });
    fireEvent.click(prompt);
    expect((screen.getByTestId('chat-input') as HTMLTextAreaElement).value).toBe('set GREETING= on needs-env');
    expect(onSend).toHaveBeenCalledTimes(1);
    expect(onPress).not.toHaveBeenCalled();
  });

  it('offers a proposed patch with its diff as text and an accept button', () => {
    const { container, onPress } = renderChat([diagnosisReply]);
    const fix = screen.getByTestId('proposed-fix');
    expect(fix.textContent).toContain('Proposed fix: listen on PORT');
    const shown = screen.getByTestId('fix-diff');
    expect(shown.textContent).toBe(diff);
    expect(shown.querySelector('.diff-add')?.textContent).toContain('+app.listen(process.env.PORT');
    expect(shown.querySelector('.diff-del')?.textContent).toContain('-app.listen(3000)');
    expect(container.querySelector('script')).toBeNull();
    // The diff shows once: the reply's own diff block gives way to the fix panel.
    expect(container.querySelectorAll('pre')).toHaveLength(1);
    // The accept button is the fix's; the other buttons stay under the reply.
    expect(screen.getAllByTestId('chat-action').map((b) => b.textContent)).toEqual(['Status']);
    fireEvent.click(screen.getByTestId('fix-accept'));
    expect(onPress).toHaveBeenCalledWith('d1', diagnosisReply.actions![0]);
  });

  it('lists a settings fix by the names it changes, never their values', () => {
    const entry: ChatEntry = {
      ...diagnosisReply,
      content: 'failed',
      diagnoses: [
        {
          rule: 'start',
          title: 'Start command',
          explanation: 'x',
          evidence: [],
          fix: { summary: 'set the start command', settings: { env: { NODE_ENV: 'production' } } },
        },
      ],
      actions: [{ id: patchId, label: 'Apply fix: set the start command', type: 'confirm', expiresAt: later }],
    };
    renderChat([entry]);
    const fix = screen.getByTestId('proposed-fix');
    expect(fix.textContent).toContain('env: NODE_ENV');
    expect(fix.textContent).not.toContain('production');
    expect(screen.getByTestId('fix-accept')).toBeTruthy();
  });

  it('a fix with a patch and a setting: Accept applies the patch, the setting is the other button', () => {
    const entry: ChatEntry = {
      ...diagnosisReply,
      diagnoses: [
        {
          rule: 'fixed-port',
          title: 'The app listens on port 3000, not on PORT (40123)',
          explanation: 'x',
          evidence: [],
          fix: { summary: 'Use port 3000 for this service and redeploy', settings: { port: 3000 }, patch: { file: 'server.js', diff } },
        },
      ],
      actions: [
        { id: 'settings-id', label: 'Apply fix: Use port 3000 for this service and redeploy', type: 'confirm', expiresAt: later },
        { id: 'patch-id', label: 'Apply patch to server.js', type: 'confirm', expiresAt: later },
      ],
    };
    const { onPress } = renderChat([entry]);
    expect(screen.queryAllByTestId('chat-action')).toHaveLength(0);
    fireEvent.click(screen.getByTestId('fix-accept'));
    expect(onPress).toHaveBeenLastCalledWith('d1', entry.actions![1]);
    fireEvent.click(screen.getByTestId('fix-accept-settings'));
    expect(onPress).toHaveBeenLastCalledWith('d1', entry.actions![0]);
  });
});
