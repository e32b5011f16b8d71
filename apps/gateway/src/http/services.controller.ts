import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import {
  deleteServiceSubject,
  listRevisionsSubject,
  listServicesSubject,
  rollbackSubject,
  serviceLogsSubject,
  serviceNameSchema,
  singleLine,
  serviceStateSubject,
  startServiceSubject,
  stopServiceSubject,
  targetSchema,
  trafficSplitSchema,
  trafficSubject,
  type Target,
} from '#contracts';
import { MessageBus, ZodPipe } from '#messaging';
import { Documented } from './openapi/api-doc.decorator.js';
import { OwnerGuard } from './owner.guard.js';

const rollbackBody = z.object({ revision: singleLine({ min: 1, max: 100 }).optional() }).default({});
const trafficBody = z.object({ splits: z.array(trafficSplitSchema).min(1).max(20) });
/** `?target=cloudrun` for a Cloud Run service; the local runtime without it. */
const targetQuery = new ZodPipe(targetSchema.default('local'));

/** The services of a target: what runs, its status, revisions, logs, rollback, traffic, stop, start and delete. */
@Controller('api/services')
@UseGuards(OwnerGuard)
export class ServicesController {
  constructor(private readonly bus: MessageBus) {}

  @Get()
  @Documented({ summary: 'The services running on the local target', returns: listServicesSubject })
  list() {
    return this.bus.request(listServicesSubject, {});
  }

  @Get(':name')
  @Documented({ summary: "A service's state: URL, status, revision (`?target=cloudrun` for Cloud Run)", returns: serviceStateSubject })
  status(@Param('name', new ZodPipe(serviceNameSchema)) name: string, @Query('target', targetQuery) target: Target) {
    return this.bus.request(serviceStateSubject, { name, target });
  }

  @Get(':name/revisions')
  @Documented({ summary: "A service's revisions, newest first", returns: listRevisionsSubject })
  revisions(@Param('name', new ZodPipe(serviceNameSchema)) name: string, @Query('target', targetQuery) target: Target) {
    return this.bus.request(listRevisionsSubject, { name, target });
  }

  @Post(':name/rollback')
  @HttpCode(200)
  @Documented({ summary: 'Serve an earlier revision (the one named, else the one before the current one)', returns: rollbackSubject })
  rollback(
    @Param('name', new ZodPipe(serviceNameSchema)) name: string,
    @Query('target', targetQuery) target: Target,
    @Body(new ZodPipe(rollbackBody)) body: z.output<typeof rollbackBody>,
  ) {
    return this.bus.request(rollbackSubject, { name, target, revision: body.revision });
  }

  @Post(':name/traffic')
  @HttpCode(200)
  @Documented({ summary: "Split a Cloud Run service's traffic between ready revisions", returns: trafficSubject })
  traffic(
    @Param('name', new ZodPipe(serviceNameSchema)) name: string,
    @Query('target', targetQuery) target: Target,
    @Body(new ZodPipe(trafficBody)) body: z.output<typeof trafficBody>,
  ) {
    return this.bus.request(trafficSubject, { name, target, splits: body.splits });
  }

  @Get(':name/logs')
  @Documented({ summary: "A service's last log lines", returns: serviceLogsSubject })
  logs(
    @Param('name', new ZodPipe(serviceNameSchema)) name: string,
    @Query('target', targetQuery) target: Target,
    @Query('tail', new ZodPipe(z.coerce.number().int().min(1).max(5000).default(200))) tail: number,
  ) {
    return this.bus.request(serviceLogsSubject, { name, target, tail });
  }

  @Post(':name/stop')
  @HttpCode(200)
  @Documented({ summary: 'Stop a service (it stays stopped across restarts)', returns: stopServiceSubject })
  stop(@Param('name', new ZodPipe(serviceNameSchema)) name: string, @Query('target', targetQuery) target: Target) {
    return this.bus.request(stopServiceSubject, { name, target });
  }

  @Post(':name/start')
  @HttpCode(200)
  @Documented({ summary: 'Start a stopped service again', returns: startServiceSubject })
  start(@Param('name', new ZodPipe(serviceNameSchema)) name: string, @Query('target', targetQuery) target: Target) {
    return this.bus.request(startServiceSubject, { name, target });
  }

  @Delete(':name')
  @Documented({ summary: 'Delete a service', returns: deleteServiceSubject })
  delete(@Param('name', new ZodPipe(serviceNameSchema)) name: string, @Query('target', targetQuery) target: Target) {
    return this.bus.request(deleteServiceSubject, { name, target });
  }
}
