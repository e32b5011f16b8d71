import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import { syncSecretsSubject, type buildSubject, type RequestOf, type ResponseOf, type ServiceSettings, type Stage } from '#contracts';
import { DomainError, redactError, serviceSlug } from '#common';
import { MessageBus, StepJobs, withLogContext, type STEP_SUBJECTS, type StepName } from '#messaging';
import { DeploymentEntity } from '../database/deployment.entity.js';
import { DeploymentRedactors } from '../deployments/deployment-redactors.js';
import { EventLog, storableText } from '../deployments/event-log.service.js';
import { InFlightWork } from '../lifecycle/in-flight-work.js';
import { resumeState, transition, type WorkflowEvent } from './transitions.js';
import type { ServiceEntity } from '../database/service.entity.js';
import { ServicesRepository } from '../services/services.repository.js';
import { checkEnv, missingEnvError } from '../services/settings-change.js';
import { Abandoned } from './abandoned.js';
import { Rollouts } from './rollouts.js';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from '../orchestrator.config.js';

/** How many times a deployment's run may be interrupted (its orchestrator gone) before it is given up. */
export const MAX_ATTEMPTS = 3;
/**
 * The workflow's attempt at a step, part of its job's id: a resumed run asks for the same job, so
 * it waits for the one a worker may still be running instead of starting a second (a silent
 * worker's job is retried by the queue itself, as another delivery).
 */
const STEP_ATTEMPT = 1;
/** The states a step's result may still be applied in: a cancelled (or otherwise ended) deployment takes none. */
const ACTIVE = In(['queued', 'running']);

/**
 * The deployment workflow, a state machine persisted in the deployments table:
 * analyze → build → deploy, each step's result stored before the next starts. A deployment is
 * worked on under a lease; when its orchestrator dies the lease runs out and another one (or this
 * one after a restart) carries on from the last stored step.
 *
 * Every step's result is applied by compare-and-set on the deployment's status: once it is
 * cancelled (see `CancellationService`), a result or failure that arrives late changes nothing.
 */
@Injectable()
export class WorkflowService implements OnApplicationBootstrap {
  private readonly logger = new Logger(WorkflowService.name);
  private readonly me = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  /** The deployments this orchestrator works on, each with what stops waiting for its step. */
  private readonly running = new Map<string, AbortController>();
  private sweeper: NodeJS.Timeout | undefined;
  private renewer: NodeJS.Timeout | undefined;
  /** How long a deployment's lease lasts (a rollout turn's too, see `Rollouts`); renewed, and swept for, every third of it. */
  private readonly leaseSeconds: number;

  constructor(
    private readonly db: DataSource,
    private readonly jobs: StepJobs,
    private readonly events: EventLog,
    private readonly redactors: DeploymentRedactors,
    private readonly services: ServicesRepository,
    private readonly bus: MessageBus,
    private readonly rollouts: Rollouts,
    @Inject(ORCHESTRATOR_CONFIG) config: Pick<OrchestratorConfig, 'DEPLOYMENT_LEASE_SECONDS'>,
    private readonly work: InFlightWork,
  ) {
    this.leaseSeconds = config.DEPLOYMENT_LEASE_SECONDS;
    // A stop lets each run finish what it is storing, and stops it waiting for its step: the
    // deployment's lease is given back, and it is resumed (here after a restart, or by another
    // orchestrator) from its last stored step, the step's job waited for again.
    work.onStop(() => {
      clearInterval(this.sweeper);
      clearInterval(this.renewer);
      for (const stop of this.running.values()) stop.abort();
    });
  }

  onApplicationBootstrap(): void {
    this.sweeper = setInterval(() => void this.resumeAbandoned(), (this.leaseSeconds / 3) * 1000);
    this.renewer = setInterval(() => void this.renewLeases(), (this.leaseSeconds / 3) * 1000);
    setImmediate(() => void this.resumeAbandoned());
  }

  /** Starts (or resumes) a deployment if no live orchestrator holds it; once stopping, it is left for the next one. */
  start(deploymentId: string): void {
    if (this.work.stopping) return;
    void this.work.track(`deployment ${deploymentId}`, this.claimAndRun(deploymentId));
  }

  /** The deployment was cancelled: if this orchestrator runs it, it stops waiting for its step now. */
  abandon(deploymentId: string): void {
    this.running.get(deploymentId)?.abort();
  }

  private async claimAndRun(deploymentId: string): Promise<void> {
    if (this.work.stopping || this.running.has(deploymentId)) return;
    // Taken before the claim is asked for: a second start meanwhile (a sweep, a start message)
    // would claim it too, as the lease is this orchestrator's own, and run it twice.
    const stop = new AbortController();
    this.running.set(deploymentId, stop);
    const claimed = await this.claim(deploymentId).catch((error: unknown) => {
      this.logger.error(`Could not claim ${deploymentId}: ${String(error)}`);
      return null;
    });
    if (!claimed) {
      this.running.delete(deploymentId);
      return;
    }
    try {
      await withLogContext({ deploymentId }, () => this.run(claimed, stop.signal));
    } finally {
      this.running.delete(deploymentId);
      await this.db
        .getRepository(DeploymentEntity)
        .update({ id: deploymentId, leaseOwner: this.me }, { leaseOwner: null, leaseExpiresAt: null })
        .catch(() => undefined);
    }
  }

  private async claim(id: string): Promise<DeploymentEntity | null> {
    const rows: { id: string }[] = await this.db
      .query(
        `UPDATE deployments
          SET lease_owner = $2, lease_expires_at = now() + make_interval(secs => $3), attempts = attempts + 1, updated_at = now()
        WHERE id = $1 AND status IN ('queued', 'running')
          AND (lease_expires_at IS NULL OR lease_expires_at < now() OR lease_owner = $2)
        RETURNING id`,
        [id, this.me, this.leaseSeconds],
      )
      .then((r: unknown) => (Array.isArray(r) && Array.isArray(r[0]) ? r[0] : r) as { id: string }[]);
    if (rows.length === 0) return null;
    return this.db.getRepository(DeploymentEntity).findOneByOrFail({ id });
  }

  private async run(d: DeploymentEntity, stop: AbortSignal): Promise<void> {
    let stage: Stage = d.stage;
    /** Where the workflow is (see the transition table): the step it waits for. */
    let state = resumeState(d);
    const repo = this.db.getRepository(DeploymentEntity);
    /** A step run as a job on the work queue, its reply unless the deployment is cancelled first. */
    const step = async <N extends StepName>(name: N, payload: RequestOf<(typeof STEP_SUBJECTS)[N]>): Promise<ResponseOf<(typeof STEP_SUBJECTS)[N]>> =>
      (await untilAbandoned(this.jobs.run(name, { deploymentId: d.id, attempt: STEP_ATTEMPT }, payload, stop), stop)).value;
    /**
     * Moves the workflow on as the table says and stores the step's result, only while the
     * deployment is still active (compare-and-set on its status): a late or duplicate result is a no-op.
     */
    const apply = async (event: WorkflowEvent, changes: Partial<DeploymentEntity>): Promise<void> => {
      const next = transition(state, event);
      if (!next) throw new Abandoned();
      const result = await repo.update({ id: d.id, status: ACTIVE }, changes);
      if (result.affected === 0) throw new Abandoned();
      state = next;
    };
    try {
      if (d.attempts > MAX_ATTEMPTS) {
        throw new DomainError('INTERRUPTED', `The deployment was interrupted ${d.attempts - 1} times and was stopped.`, 'Deploy again.');
      }
      if (d.attempts > 1) {
        await this.events.append(d.id, { stage: d.stage, message: `Resuming after an interruption (attempt ${d.attempts})` });
      }
      const source = {
        repoUrl: d.repoUrl,
        branch: d.branch ?? undefined,
        appPath: d.appPath ?? undefined,
        ...(d.patches?.length ? { patches: d.patches } : {}),
      };
      const sealedToken = d.sealedToken ?? undefined;

      if (state === 'analyzing') {
        stage = 'cloning';
        const analysis = await step('analyze', { deploymentId: d.id, source, sealedToken });
        d.report = analysis.report;
        d.commitSha = analysis.commitSha;
        if (!d.serviceId) d.serviceName = serviceSlug(analysis.sourceName + (d.appPath && d.appPath !== '.' ? `-${d.appPath}` : ''));
        await apply('analyzed', { report: d.report, commitSha: d.commitSha, serviceName: d.serviceName });
      }
      stage = d.artifact ? 'deploying' : 'analyzing';
      const service = await this.serviceOf(d);
      const settings = await this.services.settings(service, d.settingsVersion!);
      // Caught before anything is built: a variable read with no default and given no value.
      const env = checkEnv(d.report!, settings);
      if (env.missing.length > 0) throw missingEnvError(service.name, d.repoUrl, env.missing);
      // Said when the app is deployed from its source; a settings change of the same build does not repeat it.
      if (env.defaulted.length > 0 && d.kind !== 'settings') {
        await this.events.append(d.id, {
          stage,
          message: `Not set, so the app's own defaults apply: ${env.defaulted.map((v) => v.name).join(', ')}`,
          logs: env.defaulted.map((v) => `warning: ${v.name} is read with a default (${v.source}) and has no value on ${service.name}`),
        });
      }
      if (state === 'building') {
        stage = 'generating';
        const build = await step('build', {
          deploymentId: d.id,
          source,
          commitSha: d.commitSha,
          serviceName: d.serviceName!,
          report: d.report!,
          target: d.target,
          sealedToken,
          buildEnv: settings.buildEnv,
          ...(await this.buildSecrets(d, settings)),
        });
        d.artifact = build.artifact;
        await apply('built', { artifact: d.artifact });
      }
      stage = 'deploying';
      // One rollout at a time per service, with the settings newest in its turn: changes never go live out of order.
      const releaseTurn = await this.rollouts.turn(d, service.id, stop);
      try {
        if (d.kind === 'settings') await this.rollouts.servingBuild(d, service.id);
        if (d.kind === 'rebuild' && (await this.rollouts.superseded(d, service.id, settings))) return;
        const rollout = await this.rollouts.newestSettings(d, service.id, settings);
        const live = await step('deploy', {
          deploymentId: d.id,
          serviceName: d.serviceName!,
          artifact: d.artifact!,
          report: d.report!,
          target: d.target,
          settings: rollout,
          settingsVersion: d.settingsVersion!,
        });
        // Whatever a cancel says now, this revision serves: the service records it.
        const revision = d.target === 'cloudrun' ? `${d.serviceName!}-${d.id.slice(0, 8).toLowerCase()}` : d.id;
        await this.services.wentLive(service.id, { deploymentId: d.id, revision, url: live.url, region: live.region, target: d.target });
        try {
          await apply('deployed', {
            status: 'live',
            stage: 'live',
            progress: 100,
            url: live.url,
            image: live.image,
            region: live.region,
            finishedAt: new Date(),
            sealedToken: null,
          });
        } catch (error) {
          if (!(error instanceof Abandoned)) throw error;
          // The cancel came as the new revision took over: it serves, and the log says so rather than hiding it.
          await this.events.append(d.id, {
            stage: 'verifying',
            message: '',
            logs: [`The cancel arrived after the new revision had taken over: ${live.url} serves this deployment.`],
          });
          return;
        }
        const renamed = service.name !== service.baseName ? ` (service ${service.name}: the name ${service.baseName} belongs to someone else)` : '';
        await this.events.append(d.id, {
          stage: 'live',
          message: `Live at ${live.url}${renamed} — revision ${revision}, settings version ${d.settingsVersion}`,
          outcome: { kind: 'complete', ...live },
        });
      } finally {
        await releaseTurn();
      }
    } catch (error) {
      // Cancelled: the cancel stored the deployment's end; whatever the step says now is too late.
      if (error instanceof Abandoned || stop.aborted) return;
      await this.fail(d.id, stage, DomainError.from(error));
    }
  }

  /**
   * The service a deployment goes to, settled once: the owner's own service of that name or a new
   * one (renamed when someone else holds the name), the settings the request brought applied as a
   * new version, and the version this deployment uses recorded on it.
   */
  private async serviceOf(d: DeploymentEntity): Promise<ServiceEntity> {
    const repo = this.db.getRepository(DeploymentEntity);
    let service = d.serviceId ? await this.services.byId(d.serviceId) : null;
    if (!service) {
      if (d.serviceId) throw new DomainError('NOT_FOUND', `The service of this deployment was deleted.`, 'Deploy the source again.');
      const resolved = await this.services.resolve(d.owner, d.serviceName!, d.target, { repoUrl: d.repoUrl, branch: d.branch, appPath: d.appPath });
      service = resolved.service;
      if (resolved.renamed) {
        await this.events.append(d.id, {
          stage: 'analyzing',
          message: `The name ${service.baseName} belongs to another owner's service, so this service is called ${service.name}`,
        });
      }
      d.serviceId = service.id;
      d.serviceName = service.name;
      await repo.update({ id: d.id }, { serviceId: service.id, serviceName: service.name });
    }
    if (d.pendingSettings) {
      const { version, changed } = await this.services.change(service.id, d.pendingSettings);
      await this.events.append(d.id, { stage: 'analyzing', message: `Settings version ${version} of ${service.name}: ${changed.join(', ')} set` });
      d.pendingSettings = null;
      d.settingsVersion = version;
      await repo.update({ id: d.id }, { pendingSettings: null, settingsVersion: version });
      service = (await this.services.byId(service.id))!;
    }
    if (d.settingsVersion === null) {
      d.settingsVersion = service.settingsVersion;
      await repo.update({ id: d.id }, { settingsVersion: d.settingsVersion });
    }
    if (service.target !== d.target) {
      // A service stays on its target once it serves; a new one follows where this deployment goes.
      if (service.currentRevision) {
        d.target = service.target;
        await repo.update({ id: d.id }, { target: d.target });
      } else await this.services.setTarget(service.id, d.target);
    }
    return service;
  }

  /**
   * The service's build-time secrets as the build gets them: sealed for a local build (the builder
   * opens them into its commands' environment), Secret Manager references for a Cloud Build one
   * (the deployer puts them there, so the builder never holds a value).
   */
  private async buildSecrets(
    d: DeploymentEntity,
    settings: ServiceSettings,
  ): Promise<Pick<RequestOf<typeof buildSubject>, 'sealedBuildSecrets' | 'buildSecrets'>> {
    if (Object.keys(settings.buildSecrets).length === 0) return {};
    if (d.target === 'local') return { sealedBuildSecrets: settings.buildSecrets };
    const { refs } = await this.bus.request(syncSecretsSubject, { name: d.serviceName!, secrets: settings.buildSecrets, purpose: 'build' });
    return { buildSecrets: refs };
  }

  private async fail(id: string, stage: Stage, error: DomainError): Promise<void> {
    const repo = this.db.getRepository(DeploymentEntity);
    let clean = error;
    try {
      const current = await repo.findOneByOrFail({ id });
      // The workers redacted already; this covers what the orchestrator says itself, and any worker that did not.
      clean = redactError(error, await this.redactors.forDeployment(current)) as DomainError;
      const failedStage = current.stage === 'queued' ? stage : current.stage;
      this.logger.warn(`Deployment ${id} failed at ${failedStage}: ${clean.code} ${clean.message}`);
      const result = await repo.update(
        { id, status: ACTIVE },
        { status: 'failed', errorCode: clean.code, errorMessage: storableText(clean.message), errorHint: storableText(clean.hint), finishedAt: new Date() },
      );
      // A failure that arrives after the deployment was cancelled is too late to be its end.
      if (result.affected === 0) return;
      // The sealed token is still on the row: the event log redacts the log tail with it, then clears it.
      await this.events.append(id, {
        stage: 'failed',
        message: clean.message,
        logs: clean.logs,
        outcome: { kind: 'error', stage: failedStage, code: clean.code, message: clean.message, hint: clean.hint },
      });
    } catch (storeError) {
      // The database is down: the lease runs out and the deployment is picked up again later.
      this.logger.error(`Could not record the failure of ${id} at ${stage} (${clean.code}): ${String(storeError)}`);
    }
  }

  private async renewLeases(): Promise<void> {
    if (this.running.size === 0) return;
    await this.db
      .query(`UPDATE deployments SET lease_expires_at = now() + make_interval(secs => $2) WHERE lease_owner = $1 AND id = ANY($3::uuid[])`, [
        this.me,
        this.leaseSeconds,
        [...this.running.keys()],
      ])
      .catch((error: unknown) => this.logger.warn(`Could not renew leases: ${String(error)}`));
  }

  private async resumeAbandoned(): Promise<void> {
    if (this.work.stopping) return;
    const rows: { id: string }[] = await this.db
      .query(
        `SELECT id FROM deployments WHERE status IN ('queued', 'running') AND (lease_expires_at IS NULL OR lease_expires_at < now()) ORDER BY created_at LIMIT 20`,
      )
      .catch(() => []);
    for (const { id } of rows) this.start(id);
  }
}

/** The step's answer, or `Abandoned` as soon as the deployment is cancelled (the answer, when it comes, is ignored). */
function untilAbandoned<T>(request: Promise<T>, stop: AbortSignal): Promise<T> {
  if (stop.aborted) {
    request.catch(() => undefined);
    return Promise.reject(new Abandoned());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Abandoned());
    stop.addEventListener('abort', onAbort, { once: true });
    request.then(
      (value) => {
        stop.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        stop.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}
