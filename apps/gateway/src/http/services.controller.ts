import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { listRevisionsSubject, listServicesSubject, rollbackSubject, serviceLogsSubject, serviceNameSchema, singleLine, stopServiceSubject } from '#contracts';
import { MessageBus, ZodPipe } from '#messaging';
import { OwnerGuard } from './owner.guard.js';

const rollbackBody = z.object({ revision: singleLine({ min: 1, max: 100 }).optional() }).default({});

/** The services of the local runtime: what runs, its revisions, its logs, rollback and stop. */
@Controller('api/services')
@UseGuards(OwnerGuard)
export class ServicesController {
  constructor(private readonly bus: MessageBus) {}

  @Get()
  list() {
    return this.bus.request(listServicesSubject, {});
  }

  @Get(':name/revisions')
  revisions(@Param('name', new ZodPipe(serviceNameSchema)) name: string) {
    return this.bus.request(listRevisionsSubject, { name });
  }

  @Post(':name/rollback')
  @HttpCode(200)
  rollback(@Param('name', new ZodPipe(serviceNameSchema)) name: string, @Body(new ZodPipe(rollbackBody)) body: z.output<typeof rollbackBody>) {
    return this.bus.request(rollbackSubject, { name, revision: body.revision });
  }

  @Get(':name/logs')
  logs(
    @Param('name', new ZodPipe(serviceNameSchema)) name: string,
    @Query('tail', new ZodPipe(z.coerce.number().int().min(1).max(5000).default(200))) tail: number,
  ) {
    return this.bus.request(serviceLogsSubject, { name, tail });
  }

  @Post(':name/stop')
  @HttpCode(200)
  stop(@Param('name', new ZodPipe(serviceNameSchema)) name: string) {
    return this.bus.request(stopServiceSubject, { name });
  }
}
