import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { ServiceRevision, ServiceSummary, ServiceUsage } from '#contracts';
import { DomainError, type InstallationLayout, isSameProcessAlive, type RunAs } from '#common';
import { freePort, portInUse } from '../drivers/free-port.js';
import { probeHttp } from '../drivers/http-probe.js';
import { AppLog } from './app-log.js';
import { killLeftovers, launchRelease, stopProcess, type AppLaunch, type Launched } from './app-process.js';
import { KEEP_REVISIONS, readState, serviceDir, stateFile, updateState, type RecordedProcess, type Revision, type ServiceState } from './runtime-state.js';
import { ProcessTable } from './process-usage.js';
import { isFrontDoorAlive, startFrontDoor, stopFrontDoor, type FrontDoorRecord } from './front-door.js';

export interface RuntimeSettings {
  /** ServerGem's private home: each service's state.json and app.log. */
  home: string;
  /** Where the services' own HOMEs are. */
  layout: InstallationLayout;
  /** Where apps listen and are probed. */
  host: string;
  /** Where the services' stable URLs listen, and the host their URLs name. */
  proxyHost: string;
  urlHost: string;
  /** The ports stable URLs are given; any free one without it. */
  proxyPorts?: { first: number; last: number };
  startTimeoutMs: number;
  /** As root: the app user. */
  runAs: RunAs | undefined;
  path: string;
  lang: string;
  caCerts?: string;
  /** Opens a service's sealed secrets into its app's environment. */
  openSecret: (sealed: string) => string;
}

const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 30_000;
/** A process that ran this long counts as healthy: its next crash starts the backoff over. */
const HEALTHY_AFTER_MS = 60_000;
const WATCH_MS = 500;
/** How long a new release is probed at the quick pace (most apps answer well within it). */
const QUICK_START_MS = 3000;

/**
 * One service of the local runtime, like a Cloud Run service: a stable URL (its front door, a
 * process of its own that outlives ServerGem), the release
 * serving now, the last few releases to roll back to, and a supervisor that restarts a crashed app.
 */
export class SupervisedService {
  private readonly logger = new Logger(SupervisedService.name);
  private queue: Promise<unknown> = Promise.resolve();
  private watcher: NodeJS.Timeout | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private backoffMs = BACKOFF_MIN_MS;
  private closed = false;

  private constructor(
    private readonly settings: RuntimeSettings,
    private state: ServiceState,
    readonly log: AppLog,
  ) {}

  /** Loads (or creates) the service, re-adopts (or opens) its front door on its port and re-adopts its app. */
  static async open(settings: RuntimeSettings, name: string): Promise<SupervisedService> {
    const dir = serviceDir(settings.home, name);
    const fresh: ServiceState = readState(settings.home, name) ?? {
      version: 1,
      name,
      proxyPort: await freeProxyPort(settings),
      desired: 'running',
      current: null,
      revisions: [],
      process: null,
      candidate: null,
      frontDoor: null,
      restarts: 0,
      claim: null,
    };
    // Another deployer of this home may be creating it at the same moment: the first one's stays.
    const state = updateState(settings.home, name, (disk) => disk ?? fresh);
    const log = new AppLog(dir);
    const service = new SupervisedService(settings, state, log);
    await service.listen();
    log.start();
    await service.exclusive(() => service.adopt());
    return service;
  }

  get name(): string {
    return this.state.name;
  }

  get url(): string {
    return `http://${urlHost(this.settings.urlHost)}:${this.state.proxyPort}`;
  }

  /** What it is doing now; running, also what its app's process group uses (from `processes`, one look at /proc). */
  summary(processes?: ProcessTable): ServiceSummary {
    const running = this.state.process !== null && isSameProcessAlive(this.state.process.pid, this.state.process.startTime);
    return {
      name: this.state.name,
      url: this.url,
      status: this.state.desired === 'stopped' || !this.state.current ? 'stopped' : running ? 'running' : 'crashed',
      revision: this.state.current,
      pid: running ? this.state.process!.pid : null,
      restarts: this.state.restarts,
      startedAt: running ? this.state.process!.startedAt : null,
      ...(running ? usageOf(this.state.process!, processes ?? ProcessTable.read()) : NO_USAGE),
    };
  }

  revisions(): ServiceRevision[] {
    return this.state.revisions.map((r) => ({
      revision: r.deploymentId,
      createdAt: r.createdAt,
      current: r.deploymentId === this.state.current,
      deploymentId: r.deploymentId,
      settingsVersion: r.settingsVersion,
    }));
  }

  /**
   * Puts a new release live once it answers HTTP; until then the previous one keeps serving. When
   * the signal is aborted first (the deployment was cancelled), the new app is stopped, its release
   * removed, and the previous one never stopped serving.
   */
  deploy(revision: Revision, onLine: (line: string) => void, signal?: AbortSignal, attempt = 1): Promise<void> {
    return this.exclusive(async () => {
      if (this.state.current === revision.deploymentId && this.isRunning()) return;
      const claim = await this.claim(revision.deploymentId, attempt);
      try {
        await this.activate(revision, onLine, signal, claim);
      } catch (error) {
        if (!this.fenced(claim, () => ({ claim: null })) && (error as DomainError).code === 'INTERRUPTED') {
          this.logger.warn(
            `Deploy attempt ${attempt} of ${revision.deploymentId} to ${this.name} was taken over by a later one: it stopped the app it had started and changed nothing else`,
          );
        }
        if ((error as DomainError).code === 'CANCELLED' && !this.state.revisions.some((r) => r.deploymentId === revision.deploymentId)) {
          removeRelease(revision, this.name);
        }
        throw error;
      }
      const others = this.state.revisions.filter((r) => r.deploymentId !== revision.deploymentId);
      const kept = [revision, ...others].slice(0, KEEP_REVISIONS);
      const dropped = [revision, ...others].slice(KEEP_REVISIONS);
      this.fenced(claim, () => ({ revisions: kept, claim: null }));
      // A settings change makes a revision of the same release: a release goes with the last revision using it.
      for (const old of dropped) if (!kept.some((r) => r.releaseDir === old.releaseDir)) removeRelease(old, this.name);
    });
  }

  /**
   * Takes the service for one deploy attempt: a later delivery of the same deployment's job that
   * holds it already means this one was given up for dead, and it does nothing. Whatever an earlier
   * attempt (or another deployment) still has starting is stopped: from now on only this attempt
   * starts, records or puts anything live, and the one it took over from, when it goes on, finds
   * the claim gone and stops what it started.
   */
  private async claim(deploymentId: string, attempt: number): Promise<string> {
    const token = randomBytes(8).toString('hex');
    const seen: { taken?: NonNullable<ServiceState['claim']>; earlier?: RecordedProcess | null } = {};
    this.state = updateState(this.settings.home, this.name, (disk) => {
      const state = disk ?? this.state;
      if (state.claim && state.claim.deploymentId === deploymentId && state.claim.attempt > attempt) {
        seen.taken = state.claim;
        return state;
      }
      seen.earlier = state.candidate;
      return { ...state, claim: { token, deploymentId, attempt }, candidate: null };
    });
    if (seen.taken) throw supersededDeploy(attempt, seen.taken);
    if (seen.earlier) {
      this.log.note(`stopping pid ${seen.earlier.pid}: a deploy attempt that was taken over started it`);
      await stopProcess(seen.earlier, 0);
    }
    return token;
  }

  /**
   * Applies changes to state.json only while the claim is this attempt's (compare-and-set under the
   * state lock); false when a later attempt took the service over.
   */
  private fenced(token: string, changes: (disk: ServiceState) => Partial<ServiceState>): boolean {
    let held = false;
    this.state = updateState(this.settings.home, this.name, (disk) => {
      const state = disk ?? this.state;
      held = state.claim?.token === token;
      return held ? { ...state, ...changes(state) } : state;
    });
    return held;
  }

  /** Serves an earlier release again: the one named, or the one before the current one. */
  rollback(to?: string): Promise<Revision> {
    return this.exclusive(async () => {
      const index = this.state.revisions.findIndex((r) => r.deploymentId === this.state.current);
      const target = to ? this.state.revisions.find((r) => r.deploymentId === to) : this.state.revisions[index + 1];
      if (!target) {
        throw new DomainError(
          'NOT_FOUND',
          to ? `${this.name} has no revision ${to}.` : `${this.name} has no revision older than the current one.`,
          `The last ${KEEP_REVISIONS} revisions are kept; list them with \`servergem rollback ${this.name} --to <revision>\` after \`GET /api/services/${this.name}/revisions\`.`,
        );
      }
      if (target.deploymentId !== this.state.current || !this.isRunning()) await this.activate(target, () => undefined);
      return target;
    });
  }

  /** Stops the app on purpose; the supervisor leaves it stopped (also across restarts). */
  stop(): Promise<void> {
    return this.exclusive(async () => {
      clearTimeout(this.restartTimer);
      this.stopWatching();
      const recorded = this.state.process;
      this.save({ desired: 'stopped', process: null });
      if (recorded) await stopProcess(recorded);
      this.log.note('stopped');
    });
  }

  /** Lets go of the app and its front door without stopping them: ServerGem is shutting down, they are not. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.restartTimer);
    this.stopWatching();
    this.log.close();
  }

  /** Closes the stable URL too (the service is going away, or everything is being stopped). */
  async closeFrontDoor(): Promise<void> {
    const door = this.state.frontDoor;
    if (door) await stopFrontDoor(door);
    this.save({ frontDoor: null });
  }

  private async listen(): Promise<void> {
    const door = this.state.frontDoor;
    if (door && door.port === this.state.proxyPort && isFrontDoorAlive(door)) {
      // It kept serving while ServerGem was away: nothing to open, no request refused.
      this.logger.log(`Re-adopted the front door of ${this.name} (pid ${door.pid}, port ${door.port})`);
      return;
    }
    if (door) await stopFrontDoor(door);
    // A previous ServerGem may still be letting go of the port; give it a moment before giving up on it.
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        await this.openFrontDoor(this.state.proxyPort);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    this.logger.warn(`Port ${this.state.proxyPort} of ${this.name} is taken by something else; the service gets a new URL.`);
    this.save({ proxyPort: await this.listenOnAnotherPort() });
  }

  /** The first port of the range a front door can hold, or any port without a range. */
  private async listenOnAnotherPort(): Promise<number> {
    const range = this.settings.proxyPorts;
    if (!range) return this.openFrontDoor(0);
    for (let port = range.first; port <= range.last; port++) {
      try {
        return await this.openFrontDoor(port);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      }
    }
    throw portRangeFull(range);
  }

  private async adopt(): Promise<void> {
    if (this.state.candidate) {
      // An unfinished deployment of an earlier ServerGem: it never went live, so it goes.
      await stopProcess(this.state.candidate, 0);
      this.save({ candidate: null });
    }
    const recorded = this.state.process;
    if (this.state.desired === 'stopped' || !this.state.current) return;
    if (recorded && isSameProcessAlive(recorded.pid, recorded.startTime)) {
      if (await this.answers(recorded.privatePort, 5000)) {
        this.logger.log(`Re-adopted ${this.name} (pid ${recorded.pid})`);
        this.watch(recorded, undefined);
        return;
      }
      this.log.note(`pid ${recorded.pid} is alive but does not answer HTTP; restarting it`);
      await stopProcess(recorded);
    } else if (recorded) {
      killLeftovers(recorded.pid);
    }
    await this.restart();
  }

  private async activate(revision: Revision, onLine: (line: string) => void, signal?: AbortSignal, claim?: string): Promise<void> {
    if (signal?.aborted) throw cancelledDeploy(this.state.current, 'before the new release started');
    const port = revision.fixedPort ?? (await freePort(this.settings.host));
    const recent: string[] = [];
    const unsubscribe = this.log.onLine((line) => {
      recent.push(line);
      if (recent.length > 20) recent.shift();
      onLine(line);
    });
    let launched: Launched | undefined;
    try {
      try {
        launched = await launchRelease(revision, port, this.launch(), this.log);
      } catch (error) {
        throw new DomainError('DEPLOY_FAILED', `The start command could not run: ${(error as Error).message}.`, 'Check the start command in package.json.');
      }
      const record = launched.record;
      if (claim ? !this.fenced(claim, () => ({ candidate: record })) : (this.save({ candidate: record }), false)) {
        await stopProcess(record, 0);
        throw supersededDeploy(null, this.state.claim);
      }
      const direct = launched.command !== revision.startCommand ? `: \`${launched.command}\` (the start script, run without npm)` : '';
      onLine(`Started pid ${launched.record.pid} with PORT=${port}${direct}`);
      const outcome = await this.waitUntilAnswering(launched, revision.healthCheckPath, signal);
      // What the app printed until now (its start-up lines, or why it exited) belongs to this deployment.
      await launched.logs.flush();
      this.log.catchUp();
      if (claim && (this.reload(), this.state.claim?.token !== claim)) {
        // Taken over while it came up (the attempt that did stopped its app): nothing of it goes live.
        await stopProcess(launched.record, 0);
        throw supersededDeploy(null, this.state.claim);
      }
      // Cancelled while it came up, or just as it answered: it never takes traffic.
      if (signal?.aborted || outcome === 'cancelled') {
        await stopProcess(launched.record, 0);
        onLine(`Stopped pid ${launched.record.pid}: the deployment was cancelled`);
        throw cancelledDeploy(this.state.current, 'while the new release was starting');
      }
      if (outcome !== 'answering') {
        await stopProcess(launched.record, 0);
        throw outcome === 'timeout'
          ? new DomainError(
              'APP_NOT_LISTENING',
              `The app did not answer HTTP on port ${port} within ${this.settings.startTimeoutMs / 1000} s.`,
              'Make the app listen on the port in the PORT environment variable (e.g. `app.listen(process.env.PORT || 3000)`).',
              [...recent],
            )
          : new DomainError(
              'APP_EXITED',
              `The app exited (${outcome.exited}) before it answered HTTP.`,
              `Run \`${revision.startCommand}\` locally and fix the error in its last log lines.`,
              [...recent],
            );
      }
    } catch (error) {
      // Only its own candidate: a later attempt that took the service over records its own there.
      if (claim) this.fenced(claim, (disk) => (disk.candidate?.pid === launched?.record.pid ? { candidate: null } : {}));
      else this.save({ candidate: null });
      throw error;
    } finally {
      unsubscribe();
      launched?.logs.release();
    }
    const live = { current: revision.deploymentId, process: launched.record, candidate: null, desired: 'running', restarts: 0 } as const;
    const replacing: { previous?: RecordedProcess | null } = {};
    const going = (disk: ServiceState) => {
      replacing.previous = disk.process;
      return live;
    };
    if (claim ? !this.fenced(claim, going) : (this.save(going(this.state)), false)) {
      // Taken over while it came up: the attempt that holds the service puts its own release live.
      await stopProcess(launched.record, 0);
      throw supersededDeploy(null, this.state.claim);
    }
    this.backoffMs = BACKOFF_MIN_MS;
    clearTimeout(this.restartTimer);
    this.watch(launched.record, launched);
    const replaced = replacing.previous;
    if (replaced && replaced.pid !== launched.record.pid) {
      void stopProcess(replaced).catch((error: unknown) => this.logger.warn(`Could not stop pid ${replaced.pid}: ${String(error)}`));
    }
  }

  private async waitUntilAnswering(
    launched: Launched,
    healthCheckPath = '/',
    signal?: AbortSignal,
  ): Promise<'answering' | 'timeout' | 'cancelled' | { exited: string }> {
    let exited: string | undefined;
    void launched.exited.then((how) => (exited = how));
    const started = Date.now();
    const deadline = started + this.settings.startTimeoutMs;
    // `/` may answer anything; a health-check path of the settings must answer with a success.
    const healthy = (status: number | null) => status !== null && (healthCheckPath === '/' || status < 400);
    while (Date.now() < deadline) {
      if (signal?.aborted) return 'cancelled';
      if (exited !== undefined) return { exited };
      if (healthy(await probeHttp(`http://${this.settings.host}:${launched.record.privatePort}${healthCheckPath === '/' ? '' : healthCheckPath}`)))
        return 'answering';
      // A refused connection on loopback costs next to nothing: look often while a quick app comes up, less after.
      await new Promise((r) => setTimeout(r, Date.now() - started < QUICK_START_MS ? 10 : 50));
    }
    return exited !== undefined ? { exited } : 'timeout';
  }

  private async answers(port: number, withinMs: number): Promise<boolean> {
    const deadline = Date.now() + withinMs;
    do {
      if ((await probeHttp(`http://${this.settings.host}:${port}`, 1000)) !== null) return true;
      await new Promise((r) => setTimeout(r, 200));
    } while (Date.now() < deadline);
    return false;
  }

  /** Starts the current release again after a crash (or when ServerGem found it dead). */
  private async restart(): Promise<void> {
    const revision = this.state.revisions.find((r) => r.deploymentId === this.state.current);
    if (this.closed || this.state.desired === 'stopped' || !revision) return;
    if (this.isRunning()) {
      // Another deployer of this home started it (or a newer release) meanwhile.
      this.watch(this.state.process!, undefined);
      return;
    }
    try {
      const port = revision.fixedPort ?? (await freePort(this.settings.host));
      const launched = await launchRelease(revision, port, this.launch(), this.log);
      launched.logs.release();
      this.save({ process: launched.record });
      this.log.note(`started ${revision.deploymentId} as pid ${launched.record.pid} on port ${port}`);
      this.watch(launched.record, launched);
    } catch (error) {
      this.log.note(`could not start ${revision.deploymentId}: ${(error as Error).message}`);
      this.save({ process: null });
      this.scheduleRestart();
    }
  }

  private watch(record: RecordedProcess, launched: Launched | undefined): void {
    this.stopWatching();
    const check = () => {
      if (this.closed) return;
      // Another deployer of this home may have put a newer process live: that one is not this one's to watch.
      this.reload();
      if (this.state.process?.pid !== record.pid) return this.stopWatching();
      if (isSameProcessAlive(record.pid, record.startTime)) return;
      this.stopWatching();
      killLeftovers(record.pid);
      const ranMs = Date.now() - Date.parse(record.startedAt);
      if (ranMs > HEALTHY_AFTER_MS) this.backoffMs = BACKOFF_MIN_MS;
      this.save({ process: null, restarts: this.state.restarts + 1 });
      this.log.note(`pid ${record.pid} exited unexpectedly after ${Math.round(ranMs / 1000)} s; restarting in ${this.backoffMs / 1000} s`);
      this.logger.warn(`${this.name} exited unexpectedly; restarting in ${this.backoffMs / 1000} s`);
      this.scheduleRestart();
    };
    this.watcher = setInterval(check, WATCH_MS);
    this.watcher.unref();
    // A child of this process reports its exit at once; an adopted one is noticed by the poll.
    void launched?.exited.then(() => setImmediate(check));
  }

  private scheduleRestart(): void {
    clearTimeout(this.restartTimer);
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
    this.restartTimer = setTimeout(() => void this.exclusive(() => this.restart()), delay);
    this.restartTimer.unref();
  }

  private stopWatching(): void {
    clearInterval(this.watcher);
    this.watcher = undefined;
  }

  private isRunning(): boolean {
    return this.state.process !== null && isSameProcessAlive(this.state.process.pid, this.state.process.startTime);
  }

  private launch(): AppLaunch {
    const { runAs, path, lang, caCerts, host, layout, openSecret } = this.settings;
    return { runAs, path, lang, caCerts, host, openSecret, home: layout.prepareServiceHome(this.name, runAs) };
  }

  /** Starts the front door on a port and records it; the door follows state.json from then on. */
  private async openFrontDoor(port: number): Promise<number> {
    const record: FrontDoorRecord = await startFrontDoor({
      stateFile: stateFile(this.settings.home, this.name),
      host: this.settings.host,
      bind: this.settings.proxyHost,
      port,
      logFile: join(serviceDir(this.settings.home, this.name), 'front-door.log'),
    });
    this.save({ frontDoor: record });
    return record.port;
  }

  /** Changes state.json where it stands now: other deployers of this home may have changed other fields since. */
  private save(changes: Partial<ServiceState>): void {
    this.state = updateState(this.settings.home, this.name, (disk) => ({ ...(disk ?? this.state), ...changes }));
  }

  /** What state.json says now (other deployers of this home write it too). */
  private reload(): void {
    this.state = readState(this.settings.home, this.name) ?? this.state;
  }

  /** One operation at a time per service: deploys, rollbacks, stops and restarts never interleave. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = () => {
      this.reload();
      return work();
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

/** Not running: nothing is measured, and no number from before stands in. */
const NO_USAGE = { memoryBytes: null, cpuSeconds: null, processes: null, uptimeSeconds: null } as const;

/** The app runs as its own process group, led by the recorded pid; its log writer and front door are groups of their own. */
function usageOf(record: RecordedProcess, processes: ProcessTable): ServiceUsage {
  const group = processes.usage(record.pid);
  if (!group) return NO_USAGE;
  const uptimeSeconds = Math.max(0, Math.floor((Date.now() - Date.parse(record.startedAt)) / 1000));
  return { ...group, uptimeSeconds: Number.isFinite(uptimeSeconds) ? uptimeSeconds : null };
}

function supersededDeploy(attempt: number | null, holder: ServiceState['claim']): DomainError {
  const by = holder ? `attempt ${holder.attempt} of deployment ${holder.deploymentId}` : 'a later deploy attempt';
  return new DomainError(
    'INTERRUPTED',
    `This deploy attempt${attempt ? ` (${attempt})` : ''} was taken over by ${by}; it stopped what it had started and changed nothing else.`,
    'Nothing to do: the attempt that took over puts its own release live. Deploy again if that one fails.',
  );
}

function cancelledDeploy(serving: string | null, when: string): DomainError {
  const previous = serving ? `revision ${serving} still serves` : 'nothing was serving before it';
  return new DomainError('CANCELLED', `The deployment was cancelled ${when}; ${previous}.`, 'Deploy again when you are ready.');
}

/** Deletes a release folder that fell out of the kept revisions (or was never finished), if it is where the builder puts them. */
function removeRelease(revision: Revision, service: string): void {
  // `releases/<service>/<deploymentId>`, or one attempt's folder within it (`…/<deploymentId>/<attempt>`): then the deployment's whole folder goes.
  let dir = revision.releaseDir;
  if (/^\d+$/.test(basename(dir)) && basename(dirname(dir)) === revision.deploymentId) dir = dirname(dir);
  if (basename(dir) !== revision.deploymentId || basename(dirname(dir)) !== service || basename(dirname(dirname(dir))) !== 'releases') return;
  rmSync(dir, { recursive: true, force: true });
}

/** A port for a new service's stable URL: the first free one of the range, or any free one. */
async function freeProxyPort(settings: RuntimeSettings): Promise<number> {
  const range = settings.proxyPorts;
  if (!range) return freePort(settings.proxyHost);
  for (let port = range.first; port <= range.last; port++) if (!(await portInUse(settings.proxyHost, port))) return port;
  throw portRangeFull(range);
}

function portRangeFull(range: { first: number; last: number }): DomainError {
  return new DomainError(
    'DEPLOY_FAILED',
    `Every port of APP_PORT_RANGE (${range.first}-${range.last}) is taken, so the service cannot have a URL of its own.`,
    'Widen APP_PORT_RANGE (and the ports published for it), or delete services you no longer need.',
  );
}

/** An IPv6 address in a URL goes in brackets. */
function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
