import { Controller, Get, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { healthSubject, statsSubject } from '#contracts';
import { DomainError } from '#common';
import { MessageBus } from '#messaging';
import { AccessTokens, bearerToken } from '../access-tokens.js';
import { ConnectionStats } from '../socket/connection-stats.js';
import { OwnerGuard } from './owner.guard.js';
import { Public } from './public.decorator.js';

@Controller()
export class HealthController {
  constructor(
    private readonly bus: MessageBus,
    private readonly stats: ConnectionStats,
    private readonly tokens: AccessTokens,
  ) {}

  /** Liveness: the process serves requests. */
  @Get('health')
  @Public()
  health() {
    return { status: 'ok' };
  }

  /**
   * Readiness: the transport reaches the orchestrator and the orchestrator reaches the database.
   * Probes get the verdict as the status code without a token; what is down, and why, only with one.
   */
  @Get('ready')
  @Public()
  async ready(@Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const detailed = this.tokens.ownerOf(bearerToken(req.headers)) !== null;
    let answer: { status: 'ready' | 'not ready'; transport: 'up' | 'down'; database: string; reason?: string };
    try {
      const { database } = await this.bus.request(healthSubject, {});
      answer = { status: database === 'up' ? 'ready' : 'not ready', transport: 'up', database };
    } catch (error) {
      answer = { status: 'not ready', transport: 'down', database: 'unknown', reason: DomainError.from(error).message };
    }
    if (answer.status !== 'ready') res.status(503);
    return detailed ? answer : { status: answer.status };
  }

  @Get('stats')
  @UseGuards(OwnerGuard)
  async statistics() {
    const { deploymentsByStatus } = await this.bus.request(statsSubject, {});
    return { connections: this.stats.connections, deploymentsByStatus };
  }
}
