import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { defer, finalize, type Observable } from 'rxjs';
import { InFlightWork } from './in-flight-work.js';

/** Every request and event handler of the orchestrator is work in hand until it has answered. */
@Injectable()
export class InFlightInterceptor implements NestInterceptor {
  constructor(private readonly work: InFlightWork) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return defer(() => {
      let end: () => void = () => undefined;
      void this.work.track(`${context.getClass().name}.${context.getHandler().name}`, new Promise<void>((resolve) => (end = resolve)));
      return next.handle().pipe(finalize(() => end()));
    });
  }
}
