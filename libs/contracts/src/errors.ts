import { z } from 'zod';

/** Every error a user can meet has one of these codes. */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'INVALID_SOURCE',
  'LOCAL_SOURCE_NOT_ALLOWED',
  'INVALID_BRANCH',
  'REPO_NOT_FOUND',
  'BRANCH_NOT_FOUND',
  'SOURCE_UNREACHABLE',
  'SOURCE_TOO_LARGE',
  'CLONE_FAILED',
  'UNSUPPORTED_APP',
  'MISSING_ENV',
  'BUILD_FAILED',
  'TOOLCHAIN_MISSING',
  'APP_EXITED',
  'APP_NOT_LISTENING',
  'DEPLOY_FAILED',
  'SERVICE_UNAVAILABLE',
  'TIMEOUT',
  'INTERRUPTED',
  'CANCELLED',
  'NOT_FOUND',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'MISDIRECTED_REQUEST',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMITED',
  'DATABASE_UNAVAILABLE',
  'INTERNAL',
] as const;

export const errorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof errorCodeSchema>;

/** How an error travels over a transport: a code, a sentence a person can act on, and a hint. */
export const wireErrorSchema = z.object({
  code: errorCodeSchema,
  message: z.string(),
  hint: z.string().optional(),
  logs: z.array(z.string()).optional(),
});
export type WireError = z.infer<typeof wireErrorSchema>;
