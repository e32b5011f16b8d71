import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import type { ErrorCode } from '#contracts';
import { DomainError } from '#common';

const STATUS: Partial<Record<ErrorCode, number>> = {
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  UNSUPPORTED_MEDIA_TYPE: 415,
  MISDIRECTED_REQUEST: 421,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
  DATABASE_UNAVAILABLE: 503,
  TIMEOUT: 504,
};

/** REST errors as `{ code, message, hint }` with a fitting status; unknown ones generically. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      response.status(status).json({ code: status === 404 ? 'NOT_FOUND' : 'VALIDATION_FAILED', message: exception.message, hint: '' });
      return;
    }
    if (!(exception instanceof DomainError)) this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    const error = DomainError.from(exception);
    response.status(STATUS[error.code] ?? 500).json({ code: error.code, message: error.message, hint: error.hint });
  }
}
