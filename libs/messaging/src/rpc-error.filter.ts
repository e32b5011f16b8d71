import { Catch, Logger, type ExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';
import { DomainError } from '#common';
import type { WireError } from '#contracts';

/** Sends errors back over the transport as `{ code, message, hint }`; unknown ones generically. */
@Catch()
export class RpcErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(RpcErrorFilter.name);

  catch(exception: unknown): Observable<never> {
    if (!(exception instanceof DomainError)) {
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    }
    const wire: WireError = (databaseUnavailable(exception) ?? DomainError.from(exception)).toWire();
    return throwError(() => wire);
  }
}

/** PostgreSQL's "cannot connect now" and "connection lost" SQLSTATEs (classes 08 and 57P). */
const LOST_CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', '08000', '08001', '08003', '08006', '57P01', '57P02', '57P03']);
const LOST_CONNECTION_TEXT =
  /Connection terminated|connect ECONNREFUSED|terminating connection due to administrator command|the database system is (?:starting up|shutting down|in recovery mode)/;

/**
 * A request that failed because the database is down or restarting says so, with what to do,
 * instead of "something went wrong": nothing was stored, and the same request works once it is back.
 */
export function databaseUnavailable(exception: unknown): DomainError | null {
  for (let error = exception, depth = 0; error instanceof Error && depth < 4; error = (error as { cause?: unknown }).cause, depth++) {
    const code = (error as { code?: unknown }).code;
    if ((typeof code === 'string' && LOST_CONNECTION_CODES.has(code)) || LOST_CONNECTION_TEXT.test(error.message)) {
      return new DomainError(
        'SERVICE_UNAVAILABLE',
        'ServerGem cannot reach its database right now, so nothing was done or stored.',
        'Try again in a moment: ServerGem reconnects by itself once PostgreSQL is back. If it lasts, check that PostgreSQL is running at DATABASE_URL.',
      );
    }
  }
  return null;
}
