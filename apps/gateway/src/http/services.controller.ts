import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Req, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import {
  envMapSchema,
  envNameSchema,
  ownedDeleteSubject,
  ownedLogsSubject,
  ownedPowerSubject,
  ownedRedeploySubject,
  ownedRevisionsSubject,
  ownedRollbackSubject,
  ownedServiceGetSubject,
  ownedServicesListSubject,
  ownedSettingsChangeSubject,
  ownedSettingsSubject,
  ownedTrafficSubject,
  serviceNameSchema,
  settingsChangeSchema,
  singleLine,
  targetSchema,
  trafficSplitSchema,
  type SettingsChange,
} from '#contracts';
import { SecretBox } from '#common';
import { MessageBus, ZodPipe } from '#messaging';
import { Documented } from './openapi/api-doc.decorator.js';
import { OwnerGuard } from './owner.guard.js';

type Owned = { owner: string };

const rollbackBody = z.object({ revision: singleLine({ min: 1, max: 100 }).optional() }).default({});
const trafficBody = z.object({ splits: z.array(trafficSplitSchema).min(1).max(20) });
const redeployBody = z.object({ latest: z.boolean().default(false) }).default({ latest: false });
/** `PUT /env`: variables to set (merged with the ones the service has), secrets write-only. */
const envBody = z
  .object({
    env: envMapSchema.optional(),
    secrets: envMapSchema.optional(),
    buildEnv: envMapSchema.optional(),
    /** Build-time secrets, write-only: mounted into a Cloud Run build, in a local build's environment; never ARG or ENV. */
    buildSecrets: envMapSchema.optional(),
    /** false: store only; the next deployment uses them. */
    rollout: z.boolean().default(true),
  })
  .refine(
    (b) => Object.keys({ ...b.env, ...b.secrets, ...b.buildEnv, ...b.buildSecrets }).length > 0,
    'set at least one variable (env, secrets, buildEnv or buildSecrets)',
  );
const settingsBody = settingsChangeSchema.extend({ rollout: z.boolean().default(true) });
const namesQuery = new ZodPipe(
  z
    .string()
    .max(10_000)
    .transform((v) => v.split(',').filter(Boolean))
    .pipe(z.array(envNameSchema).min(1, 'name at least one variable').max(200)),
);
/** Accepted for the clients that send it; a service's target is the one it was deployed to. */
const targetQuery = new ZodPipe(targetSchema.optional());
const nameParam = new ZodPipe(serviceNameSchema);

/**
 * The services of the caller (the token's owner): what runs, its status, revisions, logs, settings
 * and secrets, and the operations on it. Another owner's service answers 404, as a missing one does.
 */
@Controller('api/services')
@UseGuards(OwnerGuard)
export class ServicesController {
  constructor(
    private readonly bus: MessageBus,
    private readonly box: SecretBox,
  ) {}

  @Get()
  @Documented({
    summary:
      'Your services: target, URL, state, revision, settings version, last deployment, and what a running local app uses (memoryBytes, cpuSeconds, processes, uptimeSeconds; Cloud Run: its limits)',
    returns: ownedServicesListSubject,
  })
  list(@Req() req: Owned) {
    return this.bus.request(ownedServicesListSubject, { owner: req.owner });
  }

  @Get(':name')
  @Documented({ summary: "One of your services and its target's state: URL, readiness, traffic, revisions serving", returns: ownedServiceGetSubject })
  status(@Req() req: Owned, @Param('name', nameParam) name: string, @Query('target', targetQuery) _target?: string) {
    return this.bus.request(ownedServiceGetSubject, { owner: req.owner, name });
  }

  @Get(':name/revisions')
  @Documented({ summary: "A service's revisions, newest first, with the settings version each used", returns: ownedRevisionsSubject })
  revisions(@Req() req: Owned, @Param('name', nameParam) name: string, @Query('target', targetQuery) _target?: string) {
    return this.bus.request(ownedRevisionsSubject, { owner: req.owner, name });
  }

  @Post(':name/rollback')
  @HttpCode(200)
  @Documented({ summary: 'Serve an earlier revision (the one named, else the one before the current one)', returns: ownedRollbackSubject })
  rollback(
    @Req() req: Owned,
    @Param('name', nameParam) name: string,
    @Body(new ZodPipe(rollbackBody)) body: z.output<typeof rollbackBody>,
    @Query('target', targetQuery) _target?: string,
  ) {
    return this.bus.request(ownedRollbackSubject, { owner: req.owner, name, revision: body.revision });
  }

  @Post(':name/traffic')
  @HttpCode(200)
  @Documented({ summary: "Split a Cloud Run service's traffic between ready revisions (percentages add up to 100)", returns: ownedTrafficSubject })
  traffic(
    @Req() req: Owned,
    @Param('name', nameParam) name: string,
    @Body(new ZodPipe(trafficBody)) body: z.output<typeof trafficBody>,
    @Query('target', targetQuery) _target?: string,
  ) {
    return this.bus.request(ownedTrafficSubject, { owner: req.owner, name, splits: body.splits });
  }

  @Get(':name/logs')
  @Documented({ summary: "A service's last log lines (its secrets redacted)", returns: ownedLogsSubject })
  logs(
    @Req() req: Owned,
    @Param('name', nameParam) name: string,
    @Query('tail', new ZodPipe(z.coerce.number().int().min(1).max(5000).default(200))) tail: number,
    @Query('target', targetQuery) _target?: string,
  ) {
    return this.bus.request(ownedLogsSubject, { owner: req.owner, name, tail });
  }

  @Post(':name/stop')
  @HttpCode(200)
  @Documented({ summary: 'Stop a service (it stays stopped across restarts; URL, revisions and settings stay)', returns: ownedPowerSubject })
  stop(@Req() req: Owned, @Param('name', nameParam) name: string, @Query('target', targetQuery) _target?: string) {
    return this.bus.request(ownedPowerSubject, { owner: req.owner, name, action: 'stop' });
  }

  @Post(':name/start')
  @HttpCode(200)
  @Documented({ summary: 'Start a stopped service again', returns: ownedPowerSubject })
  start(@Req() req: Owned, @Param('name', nameParam) name: string, @Query('target', targetQuery) _target?: string) {
    return this.bus.request(ownedPowerSubject, { owner: req.owner, name, action: 'start' });
  }

  @Delete(':name')
  @Documented({ summary: 'Delete a service: its app, revisions, settings and (Cloud Run) secrets', returns: ownedDeleteSubject })
  delete(@Req() req: Owned, @Param('name', nameParam) name: string, @Query('target', targetQuery) _target?: string) {
    return this.bus.request(ownedDeleteSubject, { owner: req.owner, name });
  }

  @Post(':name/redeploy')
  @HttpCode(202)
  @Documented({ summary: 'Deploy a service again: the same commit, or `{ "latest": true }` for the branch’s newest', returns: ownedRedeploySubject })
  redeploy(@Req() req: Owned, @Param('name', nameParam) name: string, @Body(new ZodPipe(redeployBody)) body: z.output<typeof redeployBody>) {
    return this.bus.request(ownedRedeploySubject, { owner: req.owner, name, latest: body.latest });
  }

  @Get(':name/env')
  @Documented({ summary: "A service's variables in clear, its secrets as names with a masked tail", returns: ownedSettingsSubject })
  env(@Req() req: Owned, @Param('name', nameParam) name: string) {
    return this.bus.request(ownedSettingsSubject, { owner: req.owner, name });
  }

  @Put(':name/env')
  @HttpCode(200)
  @Documented({
    summary:
      'Set variables (`env`), secrets (`secrets`, write-only), build-time variables (`buildEnv`) or build-time secrets (`buildSecrets`, write-only); a new revision of the same build rolls runtime values out, a rebuild from the commit it serves build-time ones (`rolloutKind` says which)',
    returns: ownedSettingsChangeSubject,
  })
  setEnv(@Req() req: Owned, @Param('name', nameParam) name: string, @Body(new ZodPipe(envBody)) body: z.output<typeof envBody>) {
    const { rollout, ...change } = body;
    return this.change(req.owner, name, change, rollout);
  }

  @Delete(':name/env')
  @Documented({
    summary:
      'Remove variables or secrets (`?names=A,B`); a new revision of the same build rolls it out, or a rebuild when a build-time one goes (`rolloutKind`)',
    returns: ownedSettingsChangeSubject,
  })
  unsetEnv(@Req() req: Owned, @Param('name', nameParam) name: string, @Query('names', namesQuery) names: string[]) {
    return this.change(req.owner, name, { unset: names }, true);
  }

  @Delete(':name/env/:variable')
  @Documented({
    summary: 'Remove one variable or secret; a new revision of the same build rolls it out, or a rebuild when it is build-time (`rolloutKind`)',
    returns: ownedSettingsChangeSubject,
  })
  unsetOne(@Req() req: Owned, @Param('name', nameParam) name: string, @Param('variable', new ZodPipe(envNameSchema)) variable: string) {
    return this.change(req.owner, name, { unset: [variable] }, true);
  }

  @Get(':name/settings')
  @Documented({
    summary: "A service's settings (secrets masked): env, build env, start command, port, health-check path, Cloud Run resources",
    returns: ownedSettingsSubject,
  })
  settings(@Req() req: Owned, @Param('name', nameParam) name: string) {
    return this.bus.request(ownedSettingsSubject, { owner: req.owner, name });
  }

  @Patch(':name/settings')
  @Documented({
    summary:
      'Change any settings (each field present is applied); a new revision of the same build rolls them out, or a rebuild when build-time values changed (`rolloutKind`)',
    returns: ownedSettingsChangeSubject,
  })
  changeSettings(@Req() req: Owned, @Param('name', nameParam) name: string, @Body(new ZodPipe(settingsBody)) body: z.output<typeof settingsBody>) {
    const { rollout, ...change } = body;
    return this.change(req.owner, name, change, rollout);
  }

  /** Secrets are sealed here, at the edge: past the gateway no value travels in clear. */
  private change(owner: string, name: string, change: SettingsChange, rollout: boolean) {
    const { secrets, buildSecrets, ...rest } = change;
    const sealed = {
      ...(secrets ? { sealedSecrets: this.box.sealAll(secrets) } : {}),
      ...(buildSecrets ? { sealedBuildSecrets: this.box.sealAll(buildSecrets) } : {}),
    };
    return this.bus.request(ownedSettingsChangeSubject, { owner, name, change: { ...rest, ...sealed }, rollout });
  }
}
