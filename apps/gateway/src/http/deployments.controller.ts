import { Controller, Get, Param, Query, Req, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { getDeploymentSubject, listDeploymentsSubject } from '#contracts';
import { MessageBus, ZodPipe } from '#messaging';
import { Documented } from './openapi/api-doc.decorator.js';
import { OwnerGuard } from './owner.guard.js';

@Controller('api/deployments')
@UseGuards(OwnerGuard)
export class DeploymentsController {
  constructor(private readonly bus: MessageBus) {}

  @Get()
  @Documented({ summary: 'Your deployments, newest first', returns: listDeploymentsSubject })
  list(@Req() req: { owner: string }, @Query('limit', new ZodPipe(z.coerce.number().int().min(1).max(200).default(50))) limit: number) {
    return this.bus.request(listDeploymentsSubject, { owner: req.owner, limit });
  }

  @Get(':id')
  @Documented({ summary: 'One of your deployments, with every event it stored', returns: getDeploymentSubject })
  get(@Req() req: { owner: string }, @Param('id', new ZodPipe(z.uuid())) id: string) {
    return this.bus.request(getDeploymentSubject, { owner: req.owner, id });
  }
}
