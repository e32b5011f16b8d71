import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { INestApplication, INestMicroservice, LogLevel } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '#common';
import { InProcessBus, startMicroservice, transportSettings } from '#messaging';
import { apiFetch, apiJson, connect, deployOverSocket, dropSchema, TEST_DATABASE_URL, uniqueSchema, type ServerUnderTest } from '#testing';
import { removeInstallation } from './stop-local-apps.js';
import { analyzerConfigSchema } from '../../apps/analyzer/src/analyzer.config.js';
import { AnalyzerModule } from '../../apps/analyzer/src/analyzer.module.js';
import { deployerConfigSchema } from '../../apps/deployer/src/deployer.config.js';
import { DeployerModule } from '../../apps/deployer/src/deployer.module.js';
import { AccessTokens } from '../../apps/gateway/src/access-tokens.js';
import { startGateway } from '../../apps/gateway/src/gateway.bootstrap.js';
import { gatewayConfigSchema } from '../../apps/gateway/src/gateway.config.js';
import { orchestratorConfigSchema } from '../../apps/orchestrator/src/orchestrator.config.js';
import { OrchestratorModule } from '../../apps/orchestrator/src/orchestrator.module.js';

const example = resolve(import.meta.dirname, '../../examples/node-hello');
const quiet = { shutdownHooks: false, logger: ['error'] as LogLevel[] };

/**
 * The services of one installation on the in-process transport, as the all-in-one server wires
 * them, but only those named: the rest are "not running", as a crashed or unstarted one would be.
 */
async function startOnly(services: ('orchestrator' | 'analyzer' | 'deployer')[], env: NodeJS.ProcessEnv) {
  const bus = new InProcessBus();
  const settings = transportSettings(loadConfig(gatewayConfigSchema, env), bus);
  const apps: (INestApplication | INestMicroservice)[] = [];
  if (services.includes('orchestrator'))
    apps.push(await startMicroservice(OrchestratorModule.forRoot(loadConfig(orchestratorConfigSchema, env), bus), 'orchestrator', settings, quiet));
  if (services.includes('analyzer'))
    apps.push(await startMicroservice(AnalyzerModule.forRoot(loadConfig(analyzerConfigSchema, env), bus), 'analyzer', settings, quiet));
  if (services.includes('deployer'))
    apps.push(await startMicroservice(DeployerModule.forRoot(loadConfig(deployerConfigSchema, env), bus), 'deployer', settings, quiet));
  const gateway = await startGateway(loadConfig(gatewayConfigSchema, env), bus, quiet);
  apps.push(gateway);
  const server: ServerUnderTest = { url: (await gateway.getUrl()).replace('[::1]', '127.0.0.1'), token: gateway.get(AccessTokens).anyToken };
  return {
    server,
    stop: async () => {
      for (const app of apps.reverse()) await app.close().catch(() => undefined);
    },
  };
}

// The distributed mode's case (no analyzer at all, its job on JetStream with nobody to take it) is
// a fault of `faults.e2e.spec.ts`, which shares the five services' processes with the other faults.
describe('no worker subscribed: a clear SERVICE_UNAVAILABLE naming the service, not a hang', () => {
  describe('without a builder', () => {
    const schema = uniqueSchema();
    let home: string;
    let sut: Awaited<ReturnType<typeof startOnly>>;

    beforeAll(async () => {
      home = mkdtempSync(join(tmpdir(), 'servergem-no-builder-'));
      sut = await startOnly(['orchestrator', 'analyzer', 'deployer'], {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        SERVERGEM_HOME: home,
        PORT: '0',
        DATABASE_URL: TEST_DATABASE_URL,
        DATABASE_SCHEMA: schema,
        ALLOW_LOCAL_SOURCES: 'true',
      });
    });

    afterAll(async () => {
      await sut?.stop();
      await removeInstallation(home);
      await dropSchema(schema);
    });

    it('fails the deployment after the analysis with the builder named and what to do, and stores that', async () => {
      const transcript = await deployOverSocket(sut.server, { repoUrl: example }, { timeoutMs: 60_000 });

      expect(transcript.error).toMatchObject({
        code: 'SERVICE_UNAVAILABLE',
        message: expect.stringMatching(/^The builder is unavailable: no instance is listening on /),
        hint: expect.stringContaining('Start the builder service'),
      });
      // The analysis ran: only the step whose worker is missing failed.
      expect(transcript.updates.some((u) => u.stage === 'analyzing')).toBe(true);
      expect(transcript.updates.at(-1)).toMatchObject({ stage: 'failed' });
      const { deployment } = await apiJson<{ deployment: { status: string; error: { code: string } | null } }>(
        sut.server,
        `/api/deployments/${transcript.deploymentId}`,
      );
      expect(deployment).toMatchObject({ status: 'failed', error: { code: 'SERVICE_UNAVAILABLE' } });
    });
  });

  describe('with the gateway alone', () => {
    let home: string;
    let sut: Awaited<ReturnType<typeof startOnly>>;

    beforeAll(async () => {
      home = mkdtempSync(join(tmpdir(), 'servergem-gateway-alone-'));
      sut = await startOnly([], { PATH: process.env.PATH, HOME: process.env.HOME, SERVERGEM_HOME: home, PORT: '0' });
    });

    afterAll(async () => {
      await sut?.stop();
      await removeInstallation(home);
    });

    it('answers REST with 503 naming the orchestrator, and /ready with not ready', async () => {
      const response = await apiFetch(sut.server, '/api/deployments');
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: expect.stringContaining('orchestrator') });

      const ready = await apiFetch(sut.server, '/ready');
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: 'not ready', transport: 'down', reason: expect.stringContaining('orchestrator') });
      expect((await fetch(`${sut.server.url}/health`)).status).toBe(200);
    });

    it('answers a socket message with a request_error naming the orchestrator', async () => {
      const socket = connect(sut.server);
      const refused = await new Promise<{ code: string; message: string; hint?: string }>((done) => {
        socket.on('request_error', (e) => done(e.data));
        socket.emit('message', { type: 'message', message: `deploy ${example}`, context: { action: 'deploy', repoUrl: example } });
      });
      socket.close();
      expect(refused).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: expect.stringContaining('orchestrator'), hint: expect.stringContaining('Start') });
    });
  });
});
