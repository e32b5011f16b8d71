import { wireErrorSchema, type ErrorCode, type WireError } from '#contracts';

/** An error a person can act on: a code, what happened, and what to do about it. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hint: string = '',
    /** The last real log lines that explain the failure, when there are some. */
    readonly logs: string[] = [],
  ) {
    super(message);
    this.name = 'DomainError';
  }

  toWire(): WireError {
    return { code: this.code, message: this.message, hint: this.hint, logs: this.logs };
  }

  static fromWire(value: unknown): DomainError | null {
    const parsed = wireErrorSchema.safeParse(value);
    if (!parsed.success) return null;
    const { code, message, hint, logs } = parsed.data;
    return new DomainError(code, message, hint ?? '', logs ?? []);
  }

  /** Any thrown value as a DomainError; unknown errors become a generic INTERNAL one. */
  static from(error: unknown): DomainError {
    if (error instanceof DomainError) return error;
    return (
      DomainError.fromWire(error) ??
      new DomainError('INTERNAL', 'Something went wrong inside ServerGem.', 'Try again; if it keeps happening, check the server log.')
    );
  }
}
