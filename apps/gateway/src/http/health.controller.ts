import { Controller, Get, Req, Res, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import type { Request, Response } from 'express';
import { healthSubject, statsSubject } from '#contracts';
import { DomainError } from '#common';
import { MessageBus } from '#messaging';
import { AccessTokens, bearerToken } from '../access-tokens.js';
import { ConnectionStats } from '../socket/connection-stats.js';
import { OwnerGuard } from './owner.guard.js';
import { Documented } from './openapi/api-doc.decorator.js';
import { Public } from './public.decorator.js';

const readyAnswer = z.object({
  status: z.enum(['ready', 'not ready']),
  transport: z.enum(['up', 'down']).optional(),
  database: z.string().optional(),
  reason: z.string().optional(),
});
const statsAnswer = statsSubject.response.extend({ connections: z.number().int() });

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
  @Documented({ summary: 'Liveness: the process serves requests', returns: z.object({ status: z.literal('ok') }) })
  health() {
    return { status: 'ok' };
  }

  /**
   * Readiness: the transport reaches the orchestrator and the orchestrator reaches the database.
   * Probes get the verdict as the status code without a token; what is down, and why, only with one.
   */
  @Get('ready')
  @Public()
  @Documented({ summary: 'Readiness (503 when not ready); what is down only with a token', returns: readyAnswer })
  async ready(@Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const detailed = this.tokens.ownerOf(bearerToken(req.headers)) !== null;
    let answer: z.output<typeof readyAnswer>;
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
  @Documented({ summary: 'Open sockets and deployments by status', returns: statsAnswer })
  async statistics() {
    const { deploymentsByStatus } = await this.bus.request(statsSubject, {});
    return { connections: this.stats.connections, deploymentsByStatus };
  }
}
