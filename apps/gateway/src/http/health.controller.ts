import { Controller, Get, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { healthSubject, statsSubject } from '#contracts';
import { DomainError } from '#common';
import { MessageBus } from '#messaging';
import { ConnectionStats } from '../socket/connection-stats.js';
import { OwnerGuard } from './owner.guard.js';

@Controller()
export class HealthController {
  constructor(
    private readonly bus: MessageBus,
    private readonly stats: ConnectionStats,
  ) {}

  /** Liveness: the process serves requests. */
  @Get('health')
  health() {
    return { status: 'ok' };
  }

  /** Readiness: the transport reaches the orchestrator and the orchestrator reaches the database. */
  @Get('ready')
  async ready(@Res({ passthrough: true }) res: Response) {
    try {
      const { database } = await this.bus.request(healthSubject, {});
      if (database !== 'up') res.status(503);
      return { status: database === 'up' ? 'ready' : 'not ready', transport: 'up', database };
    } catch (error) {
      res.status(503);
      return { status: 'not ready', transport: 'down', database: 'unknown', reason: DomainError.from(error).message };
    }
  }

  @Get('stats')
  @UseGuards(OwnerGuard)
  async statistics() {
    const { deploymentsByStatus } = await this.bus.request(statsSubject, {});
    return { connections: this.stats.connections, deploymentsByStatus };
  }
}
