import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { DomainError } from '#common';
import { bearerIs, scrape } from '#messaging';
import { AccessTokens, bearerToken } from '../access-tokens.js';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config.js';
import { Documented } from './openapi/api-doc.decorator.js';
import { Public } from './public.decorator.js';

/**
 * `GET /metrics` in Prometheus' text format: this process's registry (in the all-in-one server,
 * every service). A scraper sends an access token, or METRICS_TOKEN so it holds no owner's
 * rights, as `Authorization: Bearer`; the front door's Host and Origin rules apply as everywhere.
 */
@Controller()
export class MetricsController {
  constructor(
    private readonly tokens: AccessTokens,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Get('metrics')
  @Public()
  @Documented({
    summary: 'Prometheus metrics of this process (an access token or METRICS_TOKEN as bearer)',
    returns: z.string(),
    contentType: 'text/plain; version=0.0.4',
  })
  async metrics(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<string> {
    const metricsToken = this.config.METRICS_TOKEN;
    if (this.tokens.ownerOf(bearerToken(req.headers)) === null && !(metricsToken && bearerIs(req.headers, metricsToken))) {
      const refusal = this.tokens.refusal();
      throw new DomainError(refusal.code, refusal.message, `${refusal.hint} A scraper may send METRICS_TOKEN instead, when the server sets one.`);
    }
    const { contentType, body } = await scrape();
    res.setHeader('Content-Type', contentType);
    res.setHeader('Cache-Control', 'no-store');
    return body;
  }
}
