import { ConsoleLogger, Logger, type LoggerService, type LogLevel } from '@nestjs/common';
import { z } from 'zod';
import { currentLogContext } from './log-context.js';

/** The log settings every service's config schema shares. */
export const logConfigFields = {
  /** `text` (Nest's lines, for a terminal) or `json` (one object per line, for a log collector). */
  LOG_FORMAT: z.enum(['text', 'json']).default('text'),
};
export type LogFormat = z.output<typeof logConfigFields.LOG_FORMAT>;

/** One JSON object per line: time, level, context, message, the deployment when known, pid, and an error's stack. */
export class JsonLogger extends ConsoleLogger {
  constructor(levels?: LogLevel[]) {
    super({ json: true, colors: false, compact: true, ...(levels ? { logLevels: levels } : {}) });
  }

  protected override getJsonLogObject(
    message: unknown,
    options: Parameters<ConsoleLogger['getJsonLogObject']>[1],
  ): ReturnType<ConsoleLogger['getJsonLogObject']> {
    const { timestamp, level, context, message: text, pid, ...rest } = super.getJsonLogObject(message, options);
    const deploymentId = currentLogContext()?.deploymentId;
    return { time: new Date(timestamp).toISOString(), level, context, message: text, ...(deploymentId ? { deploymentId } : {}), pid, timestamp, ...rest };
  }
}

/** The logger for a service, in the configured format; `levels` narrows what is printed. */
export function serviceLogger(format: LogFormat, levels?: LogLevel[]): LoggerService {
  if (format === 'json') return new JsonLogger(levels);
  return levels ? new ConsoleLogger({ logLevels: levels }) : new ConsoleLogger();
}

/**
 * Makes the format the process's own: `new Logger(…)` anywhere, before or after Nest starts,
 * writes through it. Returns the logger to hand to Nest, which would otherwise replace it.
 */
export function useLogFormat(format: LogFormat, levels?: LogLevel[]): LoggerService {
  const logger = serviceLogger(format, levels);
  Logger.overrideLogger(logger);
  return logger;
}
