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
    const wire: WireError = DomainError.from(exception).toWire();
    return throwError(() => wire);
  }
}
