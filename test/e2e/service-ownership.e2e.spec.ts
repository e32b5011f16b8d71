import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OwnedService } from '#contracts';
import { apiFetch, apiJson, connect, dropSchema, getText, TEST_DATABASE_URL, uniqueSchema, runCli } from '#testing';
import { removeInstallation } from './stop-local-apps.js';
import { startAllInOne, type AllInOne } from '../../apps/cli/src/all-in-one.js';

const root = resolve(import.meta.dirname, '../..');
const example = join(root, 'examples/node-hello');
const TOKEN_A = 'owner-a-' + randomBytes(16).toString('hex');
const TOKEN_B = 'owner-b-' + randomBytes(16).toString('hex');

describe('services are owned: two access tokens, two owners', { timeout: 120_000 }, () => {
  const schema = uniqueSchema();
  let home: string;
  let sut: AllInOne;
  const a = () => ({ url: sut.url, token: TOKEN_A });
  const b = () => ({ url: sut.url, token: TOKEN_B });

  const servergem = (token: string, args: string[]) => runCli(root, [...args, '--server', sut.url], { env: { SERVERGEM_TOKEN: token } });

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'servergem-owners-'));
    sut = await startAllInOne(
      {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        SERVERGEM_HOME: home,
        PORT: '0',
        DATABASE_URL: TEST_DATABASE_URL,
        DATABASE_SCHEMA: schema,
        AUTH_TOKEN: `${TOKEN_A},${TOKEN_B}`,
      },
      () => undefined,
    );
  });

  afterAll(async () => {
    await sut?.stop();
    await removeInstallation(home);
    await dropSchema(schema);
  });

  let urlA: string;

  it('owner A deploys node-hello with the CLI; `servergem services` lists it for A only', async () => {
    const deployed = await servergem(TOKEN_A, ['deploy', example]);
    expect(deployed.stderr).toBe('');
    expect(deployed.code).toBe(0);
    urlA = deployed.stdout.trim().split('\n').at(-1)!;
    expect((await getText(urlA)).status).toBe(200);

    const listed = await servergem(TOKEN_A, ['services', '--json']);
    expect(listed.code).toBe(0);
    const services = JSON.parse(listed.stdout) as OwnedService[];
    expect(services).toEqual([
      expect.objectContaining({ name: 'node-hello', target: 'local', url: urlA, state: 'live', status: 'running', settingsVersion: 0 }),
    ]);
    expect(services[0]!.lastDeployment).toMatchObject({ kind: 'deploy', status: 'live', settingsVersion: 0 });

    const table = await servergem(TOKEN_A, ['services']);
    expect(table.stdout).toMatch(/node-hello\s+local\s+live\s+http/);

    expect((await apiJson<{ services: unknown[] }>(b(), '/api/services')).services).toEqual([]);
    expect(JSON.parse((await servergem(TOKEN_B, ['services', '--json'])).stdout)).toEqual([]);
  });

  it.each([
    ['GET', '/api/services/node-hello', undefined],
    ['GET', '/api/services/node-hello/revisions', undefined],
    ['GET', '/api/services/node-hello/logs', undefined],
    ['GET', '/api/services/node-hello/env', undefined],
    ['PUT', '/api/services/node-hello/env', { env: { GREETING: 'hijacked' } }],
    ['DELETE', '/api/services/node-hello/env?names=GREETING', {}],
    ['PATCH', '/api/services/node-hello/settings', { startCommand: 'node evil.js' }],
    ['POST', '/api/services/node-hello/rollback', {}],
    ['POST', '/api/services/node-hello/stop', {}],
    ['POST', '/api/services/node-hello/start', {}],
    ['POST', '/api/services/node-hello/redeploy', {}],
    ['POST', '/api/services/node-hello/traffic', { splits: [{ revision: 'x', percent: 100 }] }],
    ['DELETE', '/api/services/node-hello', {}],
  ])("owner B's %s %s gets 404 NOT_FOUND, as for a service that does not exist", async (method, path, body) => {
    const response = await apiFetch(b(), path, { method, body });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'NOT_FOUND', message: 'There is no service called node-hello.' });
    // Owner A's service is untouched and still serving.
    expect((await getText(urlA)).body).toContain('Hello from ServerGem');
  });

  it("owner B's CLI gets NOT_FOUND for A's service: logs, rollback, env, stop, delete", async () => {
    for (const args of [
      ['logs', 'node-hello'],
      ['rollback', 'node-hello'],
      ['env', 'list', 'node-hello'],
      ['env', 'set', 'node-hello', 'GREETING=hijacked'],
      ['stop', 'node-hello'],
      ['delete', 'node-hello'],
      ['revisions', 'node-hello'],
    ]) {
      const result = await servergem(TOKEN_B, args);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr).toContain('NOT_FOUND: There is no service called node-hello.');
    }
    const statusA = await apiJson<{ service: OwnedService }>(a(), '/api/services/node-hello');
    expect(statusA.service).toMatchObject({ state: 'live', settingsVersion: 0 });
  });

  it("owner B cannot subscribe to A's deployment over Socket.IO", async () => {
    const { deployments } = await apiJson<{ deployments: { id: string }[] }>(a(), '/api/deployments');
    const socket = connect({ url: sut.url, token: TOKEN_B });
    try {
      const refused = await new Promise<{ data: { code: string } }>((done) => {
        socket.on('request_error', done);
        socket.emit('subscribe', { deploymentId: deployments[0]!.id, afterSeq: 0 });
      });
      expect(refused.data.code).toBe('NOT_FOUND');
    } finally {
      socket.close();
    }
  });

  it('owner B deploying a repository of the same name gets a service of its own, and is told its name', async () => {
    const deployed = await servergem(TOKEN_B, ['deploy', example]);
    expect(deployed.code).toBe(0);
    expect(deployed.stdout).toContain("The name node-hello belongs to another owner's service, so this service is called node-hello-2");
    const urlB = deployed.stdout.trim().split('\n').at(-1)!;
    expect(urlB).not.toBe(urlA);
    expect((await apiJson<{ services: OwnedService[] }>(b(), '/api/services')).services.map((s) => s.name)).toEqual(['node-hello-2']);
    expect((await apiJson<{ services: OwnedService[] }>(a(), '/api/services')).services.map((s) => s.name)).toEqual(['node-hello']);
    expect((await getText(urlA)).status).toBe(200);
    expect((await getText(urlB)).status).toBe(200);
    // A second deployment by A goes to A's own service, not to a new name.
    const again = await servergem(TOKEN_A, ['deploy', example, '--json']);
    expect(again.code).toBe(0);
    const complete = JSON.parse(again.stdout.trim().split('\n').at(-1)!) as { data: { service_name: string; url: string } };
    expect(complete.data).toMatchObject({ service_name: 'node-hello', url: urlA });
    const revisions = await apiJson<{ revisions: { current: boolean; settingsVersion: number | null }[] }>(a(), '/api/services/node-hello/revisions');
    expect(revisions.revisions).toHaveLength(2);
    expect(revisions.revisions[0]).toMatchObject({ current: true, settingsVersion: 0 });
    // A rollback through the orchestrator moves the service's current revision back.
    const rolled = await apiJson<{ revision: string }>(a(), '/api/services/node-hello/rollback', { method: 'POST', body: {} });
    const after = await apiJson<{ service: OwnedService }>(a(), '/api/services/node-hello');
    expect(after.service.revision).toBe(rolled.revision);
    expect(after.service.previousRevision).not.toBe(rolled.revision);
  });
});
