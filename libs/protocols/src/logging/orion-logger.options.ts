import type { LogLevel } from '@nestjs/common';
import type { LOG_FORMATS } from './logging.constants';

/**
 * Output form: `tree` (readable, one header line plus one line per field) or
 * `json` (one JSON object per line).
 *
 * @publicApi
 */
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * Where log lines go. Anything with `write(string)` fits: `process.stdout`, a
 * file stream, or an array-backed fake in tests.
 *
 * @publicApi
 */
export interface LogStream {
  /** Receives one complete entry, newline included, per call. */
  write(chunk: string): unknown;
  /** Read for the colors default: only a TTY gets colors. */
  readonly isTTY?: boolean;
}

/**
 * Options of `OrionLogger`. Every option is optional.
 *
 * @publicApi
 */
export interface OrionLoggerOptions {
  /** Output form. Default: the `LOG_FORMAT` env var, else `'tree'`. */
  format?: LogFormat;
  /** Minimum level written. Default: `'log'` (so `debug` and `verbose` are dropped). */
  level?: LogLevel;
  /** Context used when a call does not name one. */
  context?: string;
  /**
   * Destination of every level. Default: `process.stdout`, with `error` and
   * `fatal` going to `process.stderr`.
   */
  stream?: LogStream;
  /**
   * ANSI colors in the tree form (JSON is never colored). Default: on only when
   * the destination is a TTY and `NO_COLOR` is not set.
   */
  colors?: boolean;
  /** Time source, for deterministic output in tests. Default: `() => new Date()`. */
  clock?: () => Date;
}
