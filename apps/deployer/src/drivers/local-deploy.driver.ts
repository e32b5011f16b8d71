import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Logger } from '@nestjs/common';
import { DomainError, killGroup, LineSplitter, splitCommand } from '#common';
import type { DeployerConfig } from '../deployer.config.js';
import type { DeployDriver, DeployJob, DeployResult } from './deploy-driver.js';
import { freePort, portInUse } from './free-port.js';
import { probeHttp } from './http-probe.js';

interface RunningApp {
  deploymentId: string;
  serviceName: string;
  child: ChildProcess;
  url: string;
  lines: string[];
  exited: boolean;
  /** Set when ServerGem stops it on purpose (replaced by a new release, or shutting down). */
  stopping: boolean;
}

const KEEP_LINES = 500;

/**
 * The `local` runtime: each release runs as a child process with PORT set, its output captured.
 * A new release replaces the service's running one only after it answers HTTP.
 */
export class LocalDeployDriver implements DeployDriver {
  readonly name = 'local';
  private readonly logger = new Logger(LocalDeployDriver.name);
  private readonly services = new Map<string, RunningApp>();

  constructor(private readonly config: DeployerConfig) {}

  async deploy(job: DeployJob): Promise<DeployResult> {
    const { reporter, report, artifact } = job;
    if (artifact.kind !== 'local') {
      throw new DomainError('DEPLOY_FAILED', 'The local runtime can only run local builds.', 'Deploy with the local target.');
    }
    const current = this.services.get(job.serviceName);
    if (current?.deploymentId === job.deploymentId && !current.exited) return this.result(current);
    if (!report.commands.start) {
      throw new DomainError('DEPLOY_FAILED', 'ServerGem found no start command for this app.', 'Add a "start" script to package.json.');
    }
    const host = this.config.APP_HOST;
    const port = await this.choosePort(report.port, report.portFromEnv);
    const [program, ...args] = splitCommand(report.commands.start);
    reporter.step('deploying', `Starting \`${report.commands.start}\` with PORT=${port}`);
    const child = spawn(program!, args, {
      cwd: artifact.appDir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: process.env.LANG ?? 'C.UTF-8', NODE_ENV: 'production', PORT: String(port), HOST: host },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const app: RunningApp = {
      deploymentId: job.deploymentId,
      serviceName: job.serviceName,
      child,
      url: `http://${host}:${port}`,
      lines: [],
      exited: false,
      stopping: false,
    };
    let live = false;
    const onLine = (line: string) => {
      app.lines.push(line);
      if (app.lines.length > KEEP_LINES) app.lines.shift();
      if (!live) reporter.log(line);
    };
    const out = new LineSplitter(onLine);
    const err = new LineSplitter(onLine);
    child.stdout!.setEncoding('utf8').on('data', (c: string) => out.push(c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => err.push(c));
    const exit = once(child, 'exit').then(([code, signal]) => {
      app.exited = true;
      out.end();
      err.end();
      return { code: code as number | null, signal: signal as string | null };
    });
    const spawnError = once(child, 'error').then(([error]) => error as Error);

    reporter.step('verifying', `Waiting for ${app.url} to answer HTTP`);
    const outcome = await this.waitUntilAnswering(app, exit, spawnError);
    if (outcome.kind !== 'answering') {
      killGroup(child.pid, 'SIGKILL');
      await reporter.flush().catch(() => undefined);
      const last = app.lines.slice(-20);
      if (outcome.kind === 'exited') {
        throw new DomainError(
          'APP_EXITED',
          `The app exited (${outcome.detail}) before it answered HTTP.`,
          `Run \`${report.commands.start}\` locally and fix the error in its last log lines.`,
          last,
        );
      }
      if (outcome.kind === 'spawn-failed') {
        throw new DomainError('DEPLOY_FAILED', `The start command could not run: ${outcome.detail}.`, 'Check the start command in package.json.', last);
      }
      throw new DomainError(
        'APP_NOT_LISTENING',
        `The app did not answer HTTP on port ${port} within ${this.config.APP_START_TIMEOUT_SECONDS} s.`,
        'Make the app listen on the port in the PORT environment variable (e.g. `app.listen(process.env.PORT || 3000)`).',
        last,
      );
    }
    live = true;
    reporter.log(`${app.url} answered HTTP ${outcome.status}`);
    if (current) this.stop(current);
    this.services.set(job.serviceName, app);
    void exit.then(({ code, signal }) => {
      if (!app.stopping) this.logger.warn(`${job.serviceName} exited unexpectedly (${code ?? signal})`);
    });
    return this.result(app);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.services.values()].map((app) => this.stop(app)));
    this.services.clear();
  }

  private result(app: RunningApp): DeployResult {
    return { url: app.url, serviceName: app.serviceName, region: 'local', image: `local:${app.deploymentId}` };
  }

  private async choosePort(declared: number | null, fromEnv: boolean): Promise<number> {
    const host = this.config.APP_HOST;
    if (fromEnv || declared === null) return freePort(host);
    // The app ignores PORT and listens where its code says; that port must be free.
    if (await portInUse(host, declared)) {
      throw new DomainError(
        'DEPLOY_FAILED',
        `The app listens on port ${declared}, which is already in use.`,
        'Make the app read the PORT environment variable, or free the port.',
      );
    }
    return declared;
  }

  private async waitUntilAnswering(
    app: RunningApp,
    exit: Promise<{ code: number | null; signal: string | null }>,
    spawnError: Promise<Error>,
  ): Promise<{ kind: 'answering'; status: number } | { kind: 'exited' | 'spawn-failed' | 'timeout'; detail: string }> {
    const deadline = Date.now() + this.config.APP_START_TIMEOUT_SECONDS * 1000;
    let stopped: { kind: 'exited' | 'spawn-failed'; detail: string } | undefined;
    void exit.then(({ code, signal }) => (stopped ??= { kind: 'exited', detail: code !== null ? `exit code ${code}` : `signal ${signal}` }));
    void spawnError.then((error) => (stopped ??= { kind: 'spawn-failed', detail: error.message }));
    while (Date.now() < deadline) {
      if (stopped) return stopped;
      const status = await probeHttp(app.url);
      if (status !== null) return { kind: 'answering', status };
      await new Promise((r) => setTimeout(r, 250));
    }
    return stopped ?? { kind: 'timeout', detail: '' };
  }

  private async stop(app: RunningApp): Promise<void> {
    if (app.exited) return;
    app.stopping = true;
    killGroup(app.child.pid, 'SIGTERM');
    const timer = setTimeout(() => killGroup(app.child.pid, 'SIGKILL'), 5000);
    await once(app.child, 'exit').catch(() => undefined);
    clearTimeout(timer);
  }
}
