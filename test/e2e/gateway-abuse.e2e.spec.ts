import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { io } from 'socket.io-client';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentUpdate } from '#contracts';
import { apiFetch, apiJson, connect, deployOverSocket, dropSchema, gitRepoFrom, isGapFree, TEST_DATABASE_URL, uniqueSchema, type TestSocket } from '#testing';
import { removeInstallation } from './stop-local-apps.js';
import { startAllInOne, type AllInOne } from '../../apps/cli/src/all-in-one.js';

const example = resolve(import.meta.dirname, '../../examples/node-hello');
const NO_SUCH_DEPLOYMENT = '00000000-0000-4000-8000-000000000000';

/** What one socket event is answered with: a refusal's code, or the event that came instead. */
function answerTo(socket: TestSocket, event: string, payload: unknown): Promise<string> {
  return new Promise((done) => {
    socket.once('request_error', (e) => done(e.data.code));
    socket.once('message', () => done('message'));
    (socket.emit as (event: string, payload: unknown) => void)(event, payload);
  });
}

/**
 * A Socket.IO connection spoken by hand over a raw WebSocket, past the client library's own
 * checks: it logs in with the token, then sends `frame` as it is, and says how the server took it.
 */
function rawFrame(sut: AllInOne, frame: string | Buffer, then?: string | Buffer): Promise<'closed' | 'answered'> {
  return new Promise((done, fail) => {
    const ws = new WebSocket(`${sut.url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`);
    let stage: 'open' | 'connected' | 'sent' = 'open';
    ws.on('error', fail);
    ws.on('close', () => stage === 'sent' && done('closed'));
    ws.on('message', (data, binary) => {
      const text = binary ? '' : data.toString();
      if (text === '2') return ws.send('3');
      if (stage === 'open' && text.startsWith('0')) return ws.send(`40${JSON.stringify({ token: sut.token })}`);
      if (stage === 'open' && text.startsWith('40')) {
        stage = 'sent';
        ws.send(frame);
        if (then !== undefined) ws.send(then);
        // A well-formed event after the bad one: its answer shows the connection was kept, and read on.
        ws.send(`42${JSON.stringify(['subscribe', { deploymentId: NO_SUCH_DEPLOYMENT, afterSeq: 0 }])}`);
        return;
      }
      if (stage === 'sent' && text.startsWith('42')) {
        done('answered');
        ws.close();
      }
    });
  });
}

/** A REST request with a body sent as it is, of any size. */
function post(url: string, token: string, body: string | Buffer): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = httpRequest(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => done({ status: res.statusCode ?? 0, body: text }));
    });
    // The server may answer and close before a large body is all sent.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : fail(error)));
    req.end(body);
  });
}

describe('gateway: sockets and requests that misbehave are refused, and the server stays up', () => {
  const schema = uniqueSchema();
  let sut: AllInOne;
  let home: string;

  const stillServes = async () => {
    expect((await fetch(`${sut.url}/health`)).status).toBe(200);
    const socket = connect(sut);
    expect(await answerTo(socket, 'subscribe', { deploymentId: NO_SUCH_DEPLOYMENT, afterSeq: 0 })).toBe('NOT_FOUND');
    socket.close();
  };

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'servergem-abuse-'));
    sut = await startAllInOne(
      { PATH: process.env.PATH, HOME: process.env.HOME, SERVERGEM_HOME: home, PORT: '0', DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema },
      () => undefined,
    );
  });

  afterAll(async () => {
    await sut?.stop();
    await removeInstallation(home);
    await dropSchema(schema);
  });

  it('checks the token again when a socket reconnects: back with the token it connects, without it it is refused', async () => {
    const tokens = [sut.token, sut.token, 'not-the-token'];
    const socket = io(sut.url, {
      transports: ['websocket'],
      forceNew: true,
      reconnectionDelay: 10,
      reconnectionDelayMax: 10,
      reconnectionAttempts: 1,
      // Asked for again at every handshake, as the web UI's is.
      auth: (give) => give({ token: tokens.shift() }),
    });
    const events: string[] = [];
    const refused = new Promise<{ message: string; data?: { code?: string } }>((done) => {
      socket.on('connect', () => {
        events.push('connect');
        // The transport drops (a network blip): the client reconnects by itself.
        socket.io.engine.close();
      });
      socket.on('connect_error', (error: Error & { data?: { code?: string } }) => done({ message: error.message, data: error.data }));
    });

    const error = await refused;
    socket.close();

    expect(events).toEqual(['connect', 'connect']);
    expect(error.message).toMatch(/^unauthorized/);
    expect(error.data?.code).toBe('UNAUTHORIZED');
  });

  it.each([
    ['not a packet at all', 'garbage'],
    ['an event that is not JSON', '42["subscribe",'],
    ['an event that is not an array', '42{"event":"subscribe"}'],
    ['an event with no name', '42[]'],
    ['an event whose name is not a string', '42[42,{}]'],
    ['an unknown packet type', '48["subscribe"]'],
    ['an unknown engine packet', '9'],
    ['an event named __proto__', '42["__proto__",{"polluted":true}]'],
    ['a binary placeholder naming __proto__ (CVE-2023-32695)', '451-["message",{"_placeholder":true,"num":"__proto__"}]', Buffer.from('x')],
    ['a binary placeholder past its attachments', '451-["message",{"_placeholder":true,"num":7}]', Buffer.from('x')],
    ['a binary frame with no packet before it', Buffer.from([0xff, 0x00, 0x13])],
  ] as const)('%s: the connection is answered or closed, nothing crashes', async (_name, frame, then?: Buffer) => {
    expect(['answered', 'closed']).toContain(await rawFrame(sut, frame, then));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await stillServes();
  });

  it.each([
    ['message', 'null', null],
    ['message', 'a bare string', 'deploy it'],
    ['message', 'an array', [1, 2, 3]],
    ['message', 'no text', { type: 'message' }],
    ['message', 'a number for the repository', { type: 'message', message: 'hi', context: { repoUrl: 42 } }],
    ['message', 'a chat text over 10,000 characters', { type: 'message', message: 'x'.repeat(10_001) }],
    ['subscribe', 'nothing', {}],
    ['subscribe', 'an id that is not a UUID', { deploymentId: 'not-a-uuid', afterSeq: 0 }],
    ['subscribe', 'a negative afterSeq', { deploymentId: NO_SUCH_DEPLOYMENT, afterSeq: -1 }],
    ['subscribe', 'a fractional afterSeq', { deploymentId: NO_SUCH_DEPLOYMENT, afterSeq: 1.5 }],
    ['subscribe', 'afterSeq as a string', { deploymentId: NO_SUCH_DEPLOYMENT, afterSeq: '0' }],
    ['subscribe', 'a __proto__ key and a number for the id', JSON.parse('{"__proto__":{"polluted":true},"deploymentId":7}') as unknown],
    ['github_repos', 'no token', {}],
    ['github_branches', 'a number for the repository', { repo: 42 }],
  ])('`%s` with %s gets VALIDATION_FAILED', async (event, _what, payload) => {
    const socket = connect(sut);
    expect(await answerTo(socket, event, payload)).toBe('VALIDATION_FAILED');
    socket.close();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a branch with option or shell syntax before git runs: nothing it names is executed', async () => {
    const repo = gitRepoFrom(example);
    const marker = join(home, 'pwned');
    try {
      for (const branch of [`--upload-pack=touch ${marker}`, `-u touch ${marker}`, `main; touch ${marker}`, `$(touch ${marker})`, `\`touch ${marker}\``]) {
        const transcript = await deployOverSocket(sut, { repoUrl: repo, branch });
        expect(transcript.error, branch).toMatchObject({ code: 'INVALID_BRANCH', hint: expect.stringContaining('main') });
        expect(transcript.updates.flatMap((u) => u.logs).filter((line) => line.includes('touch'))).toEqual([]);
      }
      expect(existsSync(marker)).toBe(false);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });

  it('refuses a REST body that is not JSON, or too large, with a clear error, and stays up', async () => {
    const rollback = `${sut.url}/api/services/node-hello/rollback`;
    const malformed = await post(rollback, sut.token, '{"revision": ');
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.body)).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringMatching(/^The request body is not valid JSON/),
      hint: expect.stringContaining('application/json'),
    });

    const huge = await post(rollback, sut.token, JSON.stringify({ revision: 'x'.repeat(5_000_000) }));
    expect(huge.status).toBe(413);
    expect(JSON.parse(huge.body)).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'The request body is over the limit of 100 KiB this server accepts.',
      hint: expect.stringContaining('smaller'),
    });
    const unknown = await apiFetch(sut, '/api/no-such-thing');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'NOT_FOUND', hint: expect.stringContaining('/api') });
    const badEscape = await apiFetch(sut, '/api/services/web%E0%A4%A/revisions');
    expect(badEscape.status).toBe(400);
    expect(await badEscape.json()).toMatchObject({ code: 'VALIDATION_FAILED', hint: expect.stringContaining('Percent-encode') });
    await stillServes();
  });

  it('goes on with a deployment whose browser left mid-way; back, the client replays from its last seq, each line once', async () => {
    const first = connect(sut);
    const seen: DeploymentUpdate['data'][] = [];
    const deploymentId = await new Promise<string>((done) => {
      first.on('deployment_update', (u) => {
        seen.push(u.data);
        // Leaves after the first two events, long before the app is live.
        if (seen.length === 2) {
          first.close();
          done(u.data.deploymentId);
        }
      });
      first.emit('message', { type: 'message', message: `deploy ${example}`, context: { action: 'deploy', repoUrl: example } });
    });
    const lastSeq = seen.at(-1)!.seq;

    const again = connect(sut);
    const replayed: DeploymentUpdate['data'][] = [];
    const url = await new Promise<string>((done, fail) => {
      again.on('deployment_update', (u) => replayed.push(u.data));
      again.on('deployment_complete', (c) => done(c.data.url));
      again.on('deployment_error', (e) => fail(new Error(`${e.data.code}: ${e.data.message}`)));
      again.emit('subscribe', { deploymentId, afterSeq: lastSeq });
    });
    again.close();

    const { deployment, events } = await apiJson<{ deployment: { status: string }; events: { seq: number }[] }>(sut, `/api/deployments/${deploymentId}`);
    expect(deployment.status).toBe('live');
    expect((await fetch(url)).status).toBe(200);
    expect(isGapFree([...seen, ...replayed].map((u) => u.seq))).toBe(true);
    expect(replayed.map((u) => u.seq)).toEqual(events.map((e) => e.seq).filter((seq) => seq > lastSeq));
    expect(replayed.at(-1)).toMatchObject({ stage: 'live' });
    expect((await apiFetch(sut, '/api/deployments')).status).toBe(200);
  });
});
