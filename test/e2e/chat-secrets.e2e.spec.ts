import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect as connectNats, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientMessage, DeploymentError, ServerMessage } from '#contracts';
import { apiFetch, connect, deleteNamespaceStreams, type TestSocket } from '#testing';
import { startAllInOne, type AllInOne } from '../../apps/cli/src/all-in-one.js';
import { removeInstallation } from './stop-local-apps.js';

const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const NAMESPACE = `chat-secret-${randomBytes(4).toString('hex')}`;
const needsEnv = resolve(import.meta.dirname, '../fixtures/needs-env');
/** The value typed in the chat; the fixture app answers every request with it. */
const SECRET = `sk-chat-${randomBytes(12).toString('hex')}`;

function chat(socket: TestSocket, message: string, context?: ClientMessage['context']): Promise<ServerMessage['data']> {
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`no reply to ${JSON.stringify(message)}`)), 60_000);
    socket.once('message', (reply) => {
      clearTimeout(timer);
      done(reply.data);
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

describe('a secret typed in the chat is sealed at the gateway: never on NATS, in the database or the logs in clear', () => {
  let home: string;
  let sut: AllInOne | undefined;
  let nats: NatsConnection;
  let answer = '';
  let reply: ServerMessage['data'];
  let rest = '';
  const natsPayloads: string[] = [];
  const databaseRows: string[] = [];
  const serverLog: string[] = [];
  const restoreOutput: (() => void)[] = [];

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'servergem-chat-secret-'));
    nats = await connectNats({ servers: NATS_URL });
    const subscription = nats.subscribe('>');
    void (async () => {
      for await (const message of subscription) natsPayloads.push(`${message.subject} ${message.string()}`);
    })();
    await nats.flush();
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream);
      stream.write = ((chunk: string | Uint8Array, ...args: unknown[]) => {
        serverLog.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return (write as (...a: unknown[]) => boolean)(chunk, ...args);
      }) as typeof stream.write;
      restoreOutput.push(() => (stream.write = write));
    }
    sut = await startAllInOne(
      { PATH: process.env.PATH, HOME: process.env.HOME, SERVERGEM_HOME: home, PORT: '0', NATS_URL, SERVERGEM_NAMESPACE: NAMESPACE },
      (line) => serverLog.push(`${line}\n`),
    );
    const socket = connect(sut);
    try {
      const first = await chat(socket, `ship ${needsEnv}`);
      expect((await ended(socket, first.metadata.deploymentId as string)).error).toMatchObject({ code: 'MISSING_ENV' });
      reply = await chat(socket, `set GREETING=${SECRET} as a secret on needs-env`);
      const live = await ended(socket, reply.metadata.deploymentId as string);
      expect(live.error).toBeUndefined();
      answer = await (await fetch(live.url!)).text();
      rest = [
        await (await apiFetch(sut, `/api/deployments/${reply.metadata.deploymentId as string}`)).text(),
        await (await apiFetch(sut, '/api/services/needs-env')).text(),
      ].join('\n');
    } finally {
      socket.close();
    }
    const client = new pg.Client({ connectionString: sut.databaseUrl });
    await client.connect();
    try {
      const tables = await client.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`);
      for (const { table_name } of tables.rows) {
        const rows = await client.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM "${table_name}" t`);
        databaseRows.push(...rows.rows.map((r) => `${table_name} ${r.row}`));
      }
    } finally {
      await client.end();
    }
    await nats.flush();
  }, 180_000);

  afterAll(async () => {
    for (const restore of restoreOutput.splice(0)) restore();
    await sut?.stop();
    await nats?.close();
    await removeInstallation(home);
    await deleteNamespaceStreams(NATS_URL, NAMESPACE);
  });

  it('is set as a secret on the service, which is deployed with it', () => {
    expect(reply.metadata.intent).toMatchObject({ kind: 'set_env', service: 'needs-env', envNames: ['GREETING'] });
    expect(reply.content).toContain('Set GREETING (as secrets) on **needs-env**');
    expect(answer).toBe(SECRET);
  });

  it('crosses NATS masked, with the value sealed', () => {
    const chatRequests = natsPayloads.filter((p) => p.startsWith(`${NAMESPACE}.orchestrator.chat.v1`));
    expect(chatRequests.some((p) => p.includes('set GREETING=•••• as a secret on needs-env') && p.includes('"sealedValues":{"GREETING":'))).toBe(true);
    expect(natsPayloads.filter((p) => p.includes(SECRET))).toEqual([]);
  });

  it('is in no chat message, event or other row of the database, and in no REST answer', () => {
    expect(databaseRows.some((r) => r.startsWith('chat_messages') && r.includes('set GREETING=•••• as a secret on needs-env'))).toBe(true);
    expect(databaseRows.some((r) => r.startsWith('deployment_events'))).toBe(true);
    expect(databaseRows.filter((r) => r.includes(SECRET))).toEqual([]);
    expect(rest).toContain('GREETING');
    expect(rest).not.toContain(SECRET);
  });

  it('in no line the server logged', () => {
    expect(serverLog.join('')).not.toContain(SECRET);
  });
});
