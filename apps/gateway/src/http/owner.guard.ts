import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { DomainError } from '#common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config.js';
import { ownerFor } from '../owner.js';

/** REST callers present the same token as sockets, as `Authorization: Bearer <token>`. */
@Injectable()
export class OwnerGuard implements CanActivate {
  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request & { owner?: string }>();
    const header = request.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) : undefined;
    const owner = ownerFor(this.config.AUTH_TOKEN, token);
    if (!owner) throw new DomainError('FORBIDDEN', 'A valid access token is required.', 'Send it as `Authorization: Bearer <token>`.');
    request.owner = owner;
    return true;
  }
}
