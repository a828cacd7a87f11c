import type { LogLevel } from '@nestjs/common';

/**
 * One log entry after the Nest-style call arguments have been sorted out. Both
 * formatters read only this shape, so they never see call-signature quirks.
 */
export interface LogRecord {
  readonly time: Date;
  readonly level: LogLevel;
  readonly context?: string;
  readonly message: string;
  /** Structured fields, in the order they were given. */
  readonly fields: Readonly<Record<string, unknown>>;
  /** Stack string passed as `error(message, stack, context)`. */
  readonly stack?: string;
  /** Error passed as the message or as a parameter. */
  readonly error?: Error;
}
