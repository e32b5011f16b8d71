import { DomainError } from './domain-error.js';
import type { Redactor } from './redactor.js';

/**
 * The same error with every secret taken out of what it says — message, hint, log tail, stack — so
 * it can leave the process or be logged. Unknown errors stay unknown (shown generically) but their
 * text is cleaned for the server log.
 */
export function redactError(error: unknown, redactor: Redactor): unknown {
  if (!redactor.active) return error;
  const clean = (text: string) => redactor.redact(text);
  if (error instanceof DomainError) return new DomainError(error.code, clean(error.message), clean(error.hint), error.logs.map(clean));
  const wire = DomainError.fromWire(error);
  if (wire) return redactError(wire, redactor);
  if (error instanceof Error) {
    const cleaned = new Error(clean(error.message));
    cleaned.name = error.name;
    cleaned.stack = error.stack === undefined ? undefined : clean(error.stack);
    return cleaned;
  }
  return new Error(clean(typeof error === 'string' ? error : safeJson(error)));
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
