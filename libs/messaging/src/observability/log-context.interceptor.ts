import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { withLogContext } from './log-context.js';

/** Ids as the contracts make them (UUIDs); anything else a sender put there is not carried. */
const DEPLOYMENT_ID = /^[A-Za-z0-9-]{1,64}$/;

/**
 * Every message a service handles that names a deployment (a step, a progress report, a cancel)
 * runs with that deployment on the log context, so each line its handler logs carries the id.
 */
@Injectable()
export class LogContextInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const data: unknown = context.switchToRpc().getData();
    const deploymentId = typeof data === 'object' && data !== null ? (data as { deploymentId?: unknown }).deploymentId : undefined;
    if (typeof deploymentId !== 'string' || !DEPLOYMENT_ID.test(deploymentId)) return next.handle();
    // Nest binds the handler to the async context `handle()` is called in.
    return withLogContext({ deploymentId }, () => next.handle());
  }
}
