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
      response.status(exception.getStatus()).json(refusedBeforeHandler(exception));
      return;
    }
    if (!(exception instanceof DomainError)) this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    const error = DomainError.from(exception);
    response.status(STATUS[error.code] ?? 500).json({ code: error.code, message: error.message, hint: error.hint });
  }
}

/**
 * What Express refuses before a handler runs — a body that is not JSON or is too large, a path
 * that is not valid percent-encoding, a route that does not exist — said so a person can act on it.
 */
function refusedBeforeHandler(exception: HttpException): { code: ErrorCode; message: string; hint: string } {
  const status = exception.getStatus();
  // body-parser's errors say what they are in `type`; Nest keeps them as the exception's cause.
  const cause = exception.cause as { type?: unknown; limit?: unknown } | undefined;
  if (status === 404) {
    return {
      code: 'NOT_FOUND',
      message: exception.message,
      hint: 'Check the method and the path: the REST API is under /api (see the REST section of the README).',
    };
  }
  if (cause?.type === 'entity.too.large') {
    const limit = typeof cause.limit === 'number' ? ` of ${Math.round(cause.limit / 1024)} KiB` : '';
    return {
      code: 'VALIDATION_FAILED',
      message: `The request body is over the limit${limit} this server accepts.`,
      hint: 'Send a smaller JSON body: the API takes small objects such as {"revision": "…"}.',
    };
  }
  if (cause?.type === 'entity.parse.failed' || cause instanceof SyntaxError) {
    return {
      code: 'VALIDATION_FAILED',
      message: `The request body is not valid JSON (${exception.message}).`,
      hint: 'Send a JSON object with Content-Type: application/json; {} will do for a request without fields.',
    };
  }
  if (cause instanceof URIError) {
    return {
      code: 'VALIDATION_FAILED',
      message: 'The request path holds a "%" that starts no valid escape.',
      hint: 'Percent-encode the path (encodeURIComponent) and send it again.',
    };
  }
  return { code: 'VALIDATION_FAILED', message: exception.message, hint: 'Check the request against the REST section of the README and send it again.' };
}
