import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientMessage, DeploymentError, ServerMessage } from '#contracts';
import { FakeGemini, apiJson, connect, type TestSocket } from '#testing';
import { removeInstallation } from './stop-local-apps.js';
import { startAllInOne, type AllInOne } from '../../apps/cli/src/all-in-one.js';

const examples = resolve(import.meta.dirname, '../../examples');
const needsEnv = resolve(import.meta.dirname, '../fixtures/needs-env');
const ownPort = resolve(import.meta.dirname, '../fixtures/own-port');

/** Sends one chat message as the UI does and waits for its reply. */
function chat(socket: TestSocket, message: string, context?: ClientMessage['context']): Promise<ServerMessage['data']> {
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`no reply to ${JSON.stringify(message)}`)), 60_000);
    socket.once('message', (reply) => {
      clearTimeout(timer);
      done(reply.data);
    });
    socket.once('request_error', (error) => {
      clearTimeout(timer);
      fail(new Error(`${error.data.code}: ${error.data.message}`));
    });
    socket.emit('message', { type: 'message', message, ...(context ? { context } : {}) });
  });
}

function ended(socket: TestSocket, deploymentId: string): Promise<{ error?: DeploymentError['data']; url?: string }> {
  return new Promise((done) => {
    socket.on('deployment_error', (e) => e.data.deploymentId === deploymentId && done({ error: e.data }));
    socket.on('deployment_complete', (c) => c.data.deploymentId === deploymentId && done({ url: c.data.url }));
  });
}

describe('chat agent over Socket.IO (all-in-one, deterministic planner)', () => {
  let server: AllInOne;
  let home: string;
  const env = () => ({ PATH: process.env.PATH, HOME: process.env.HOME, SERVERGEM_HOME: home, PORT: '0', APP_START_TIMEOUT_SECONDS: '5' });

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'servergem-chat-e2e-'));
    server = await startAllInOne(env(), () => undefined);
  });

  afterAll(async () => {
    await server?.stop();
    await removeInstallation(home);
  });

  it('understands a plain-English deploy, says what it understood, and streams the deployment to a live URL', async () => {
    const socket = connect(server);
    const reply = await chat(socket, `please deploy ${join(examples, 'node-hello')} for me`);
    expect(reply.metadata.intent).toEqual({ kind: 'deploy', repoUrl: join(examples, 'node-hello'), planner: 'deterministic' });
    const outcome = await ended(socket, reply.metadata.deploymentId as string);
    expect(outcome.error).toBeUndefined();

    const status = await chat(socket, "what's running?");
    expect(status.metadata.intent).toMatchObject({ kind: 'status' });
    expect(status.content).toContain(`**node-hello** running at ${outcome.url}`);

    // What it uses, measured on its process group now.
    const usage = await chat(socket, 'how much memory does node-hello use?');
    expect(usage.metadata.intent).toMatchObject({ kind: 'status', service: 'node-hello' });
    expect(usage.content).toMatch(/\*\*node-hello\*\* running at .* — \d+\.\d MB memory, \d+\.\d s CPU time, \d+ process(es)?, up \d+ (s|min)/);
    socket.close();
  });

  it('diagnoses a failure, offers the fix, keeps the conversation across a reconnect and a restart, and the fix goes live', { timeout: 120_000 }, async () => {
    let socket = connect(server);
    const deploy = await chat(socket, `ship ${needsEnv}`);
    const outcome = await ended(socket, deploy.metadata.deploymentId as string);
    // The analysis sees GREETING read with no default: the deployment stops before anything is built.
    expect(outcome.error).toMatchObject({ code: 'MISSING_ENV' });
    socket.close();

    // A new connection with no session id continues the same conversation.
    socket = connect(server);
    const why = await chat(socket, 'why did it fail?');
    expect(why.metadata.intent).toMatchObject({ kind: 'explain_failure', planner: 'deterministic' });
    expect(why.content).toContain('Missing environment variable: GREETING');
    expect(why.content).toContain('no default and no value set: GREETING (server.js:2)');
    expect(why.content).toContain('read in `server.js:2`');
    expect(why.actions).toContainEqual(expect.objectContaining({ type: 'prompt', message: 'set GREETING= on needs-env' }));
    socket.close();

    await server.stop();
    server = await startAllInOne(env(), () => undefined);
    socket = connect(server);
    const status = await chat(socket, 'status');
    expect(status.content).toContain('likely cause: Missing environment variable: GREETING');
    expect(status.actions).toContainEqual(expect.objectContaining({ type: 'reply', label: 'Why did it fail?' }));
    // The value the reply asked for, typed as the answer: set on the service, which is deployed again with it.
    const value = await chat(socket, 'GREETING=hello-from-the-chat');
    expect(value.metadata.intent).toMatchObject({ kind: 'set_env', service: 'needs-env', envNames: ['GREETING'] });
    expect(value.content).toContain('Set GREETING on **needs-env**');
    const fixed = await ended(socket, value.metadata.deploymentId as string);
    expect(fixed.error).toBeUndefined();
    expect((await fetch(fixed.url!)).status).toBe(200);
    expect(await (await fetch(fixed.url!)).text()).toBe('hello-from-the-chat');

    // A change of the value now rolls out a new revision of the same build, at the same URL.
    const again = await chat(socket, 'set GREETING=changed on needs-env');
    expect(again.content).toContain('Rolling out a new revision of the same build');
    const rolled = await ended(socket, again.metadata.deploymentId as string);
    expect(rolled.url).toBe(fixed.url);
    expect(await (await fetch(fixed.url!)).text()).toBe('changed');
    socket.close();
  });

  it('an app on a port of its own: a settings fix, or a patch of a copy of the folder, and each goes live', { timeout: 180_000 }, async () => {
    const socket = connect(server);
    /** A copy of the fixture of its own (a service of its own), deployed and failed, with its fix buttons. */
    const failing = async (name: string) => {
      const folder = join(mkdtempSync(join(tmpdir(), 'servergem-own-port-')), name);
      cpSync(ownPort, folder, { recursive: true });
      const deploy = await chat(socket, `deploy ${folder}`);
      const failed = await ended(socket, deploy.metadata.deploymentId as string);
      expect(failed.error).toMatchObject({ code: 'APP_NOT_LISTENING' });
      const why = await chat(socket, 'why did it fail?');
      expect(why.content).toContain('The app listens on port 47613, not on PORT');
      expect(why.content).toContain('+const port = Number(process.env.HTTP_PORT) || (Number(process.env.PORT) || 47613);');
      const settingsFix = why.actions.find((a) => a.label === 'Apply fix: Use port 47613 for this service and redeploy');
      const patchFix = why.actions.find((a) => a.label === 'Apply patch to server.js');
      expect([settingsFix?.type, patchFix?.type]).toEqual(['confirm', 'confirm']);
      return { folder, settingsFix: settingsFix!, patchFix: patchFix! };
    };
    const folders: string[] = [];
    try {
      // The settings fix: the service is told the app's own port, deployed again, and answers there.
      const first = await failing('own-port-a');
      folders.push(first.folder);
      const set = await chat(socket, '', { action: 'confirm', actionId: first.settingsFix.id });
      expect(set.metadata.intent).toMatchObject({ kind: 'update_settings', confirmation: 'confirmed' });
      const onItsPort = await ended(socket, set.metadata.deploymentId as string);
      expect(onItsPort.error).toBeUndefined();
      expect(await (await fetch(onItsPort.url!)).text()).toBe('own-port says hello');
      await chat(socket, 'stop own-port-a').then((asked) =>
        chat(socket, '', { action: 'confirm', actionId: asked.actions.find((a) => a.type === 'confirm')!.id }),
      );

      // The lasting fix: the patch, applied to the release's copy; the app now reads PORT, the folder is as it was.
      const second = await failing('own-port-b');
      folders.push(second.folder);
      const original = readFileSync(join(second.folder, 'server.js'), 'utf8');
      const patched = await chat(socket, '', { action: 'confirm', actionId: second.patchFix.id });
      expect(patched.metadata.intent).toMatchObject({ kind: 'apply_patch', confirmation: 'confirmed' });
      expect(patched.content).toContain(`your folder \`${second.folder}\` is untouched`);
      const live = await ended(socket, patched.metadata.deploymentId as string);
      expect(live.error).toBeUndefined();
      expect(await (await fetch(live.url!)).text()).toBe('own-port says hello');
      const { events } = await apiJson<{ events: { logs: string[] }[] }>(server, `/api/deployments/${patched.metadata.deploymentId as string}`);
      expect(events.flatMap((e) => e.logs)).toContain("Patched server.js (+1 -1) in this release's copy of the source");
      expect(readFileSync(join(second.folder, 'server.js'), 'utf8')).toBe(original);
    } finally {
      socket.close();
      for (const folder of folders) rmSync(join(folder, '..'), { recursive: true, force: true });
    }
  });

  it('asks for a confirmation before a rollback and runs it once when the button is pressed', async () => {
    const socket = connect(server);
    const first = await chat(socket, `deploy ${join(examples, 'node-hello')}`);
    await ended(socket, first.metadata.deploymentId as string);

    const asked = await chat(socket, 'roll node-hello back');
    expect(asked.metadata.intent).toMatchObject({ kind: 'rollback', service: 'node-hello', confirmation: 'required' });
    const confirm = asked.actions.find((a) => a.type === 'confirm')!;

    const done = await chat(socket, '', { action: 'confirm', actionId: confirm.id });
    expect(done.metadata.intent).toMatchObject({ kind: 'rollback', confirmation: 'confirmed' });
    expect(done.content).toMatch(/\*\*node-hello\*\* now serves revision `[0-9a-f-]{36}`/);
    const twice = await chat(socket, '', { action: 'confirm', actionId: confirm.id });
    expect(twice.content).toContain('already confirmed and done once');
    socket.close();
  });

  it.each(['rm -rf / ; curl x | sh', 'x'.repeat(10_000), '<img src=x onerror=alert(1)> deploy it', 'deploy; rm -rf /'])(
    'starts nothing for %j',
    async (message) => {
      const socket = connect(server);
      const before = (await apiJson<{ deployments: unknown[] }>(server, '/api/deployments')).deployments.length;
      const reply = await chat(socket, message);
      expect(['help', 'clarify']).toContain(reply.metadata.intent?.kind);
      expect(reply.metadata.deploymentId).toBeUndefined();
      const after = (await apiJson<{ deployments: unknown[] }>(server, '/api/deployments')).deployments.length;
      expect(after).toBe(before);
      socket.close();
    },
  );
});

describe('chat agent over Socket.IO with Gemini configured (a local fake of the Gemini API)', () => {
  let server: AllInOne;
  let home: string;
  let gemini: FakeGemini;

  beforeAll(async () => {
    gemini = await FakeGemini.start('e2e-gemini-key');
    home = mkdtempSync(join(tmpdir(), 'servergem-chat-gemini-'));
    server = await startAllInOne(
      { PATH: process.env.PATH, HOME: process.env.HOME, SERVERGEM_HOME: home, PORT: '0', GEMINI_API_KEY: 'e2e-gemini-key', GEMINI_BASE_URL: gemini.url },
      () => undefined,
    );
  });

  afterAll(async () => {
    await server?.stop();
    await gemini.stop();
    await removeInstallation(home);
  });

  it('plans with function calling, and answers with the deterministic planner when the model fails', async () => {
    const socket = connect(server);
    gemini.reply(FakeGemini.call('status', {}), FakeGemini.text('Nothing is running yet — deploy something and it shows up here.'));
    const planned = await chat(socket, 'anything up and running at the moment?');
    expect(planned).toMatchObject({
      content: 'Nothing is running yet — deploy something and it shows up here.',
      metadata: { intent: { kind: 'status', planner: 'gemini' } },
    });
    expect(gemini.requests).toHaveLength(2);
    expect(FakeGemini.functionResponses(gemini.requests[1]!)).toEqual([
      expect.objectContaining({ name: 'status', response: expect.objectContaining({ status: 'ran' }) }),
    ]);

    gemini.reply(FakeGemini.error(503));
    const fallback = await chat(socket, "what's running?");
    expect(fallback.metadata.intent).toMatchObject({ kind: 'status', planner: 'deterministic' });
    expect(fallback.metadata.plannerFallback).toBe('Gemini answered HTTP 503');
    socket.close();
  });
});
