import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AccessTokens, bearerToken } from '../access-tokens.js';
import { IS_PUBLIC } from './public.decorator.js';

/**
 * Every REST route needs a valid token (`Authorization: Bearer <token>`), unless marked @Public.
 * Registered for the whole app, so a route added later is protected without anyone remembering to.
 */
@Injectable()
export class OwnerGuard implements CanActivate {
  constructor(
    private readonly tokens: AccessTokens,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    // Sockets are checked at their handshake; events from the transport are not requests.
    if (context.getType() !== 'http') return true;
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<Request & { owner?: string }>();
    const owner = this.tokens.ownerOf(bearerToken(request.headers));
    if (!owner) throw this.tokens.refusal();
    request.owner = owner;
    return true;
  }
}
