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
  list() {
    return this.bus.request(listServicesSubject, {});
  }

  @Get(':name')
  status(@Param('name', new ZodPipe(serviceNameSchema)) name: string, @Query('target', targetQuery) target: Target) {
    return this.bus.request(serviceStateSubject, { name, target });
  }

  @Get(':name/revisions')
  revisions(@Param('name', new ZodPipe(serviceNameSchema)) name: string, @Query('target', targetQuery) target: Target) {
    return this.bus.request(listRevisionsSubject, { name, target });
  }

  @Post(':name/rollback')
  @HttpCode(200)
  rollback(
    @Param('name', new ZodPipe(serviceNameSchema)) name: string,
    @Query('target', targetQuery) target: Target,
    @Body(new ZodPipe(rollbackBody)) body: z.output<typeof rollbackBody>,
  ) {
    return this.bus.request(rollbackSubject, { name, target, revision: body.revision });
  }

  @Post(':name/traffic')
  @HttpCode(200)
  traffic(
    @Param('name', new ZodPipe(serviceNameSchema)) name: string,
    @Query('target', targetQuery) target: Target,
    @Body(new ZodPipe(trafficBody)) body: z.output<typeof trafficBody>,
  ) {
    return this.bus.request(trafficSubject, { name, target, splits: body.splits });
  }

  @Get(':name/logs')
  logs(
    @Param('name', new ZodPipe(serviceNameSchema)) name: string,
    @Query('target', targetQuery) target: Target,
    @Query('tail', new ZodPipe(z.coerce.number().int().min(1).max(5000).default(200))) tail: number,
  ) {
    return this.bus.request(serviceLogsSubject, { name, target, tail });
  }

  @Post(':name/stop')
  @HttpCode(200)
  stop(@Param('name', new ZodPipe(serviceNameSchema)) name: string, @Query('target', targetQuery) target: Target) {
    return this.bus.request(stopServiceSubject, { name, target });
  }

  @Post(':name/start')
  @HttpCode(200)
  start(@Param('name', new ZodPipe(serviceNameSchema)) name: string, @Query('target', targetQuery) target: Target) {
    return this.bus.request(startServiceSubject, { name, target });
  }

  @Delete(':name')
  delete(@Param('name', new ZodPipe(serviceNameSchema)) name: string, @Query('target', targetQuery) target: Target) {
    return this.bus.request(deleteServiceSubject, { name, target });
  }
}
