import { formatJsonRecord } from './json-format.util';
import { parseLogArguments } from './log-arguments.util';
import { resolveLogFormat, resolveLogLevel } from './log-env.util';
import { LOG_FORMAT_ENV, LOG_LEVEL_SEVERITY, LOG_LEVELS_WITH_STACK, NO_COLOR_ENV } from './logging.constants';
import { formatTreeRecord } from './tree-format.util';
import type { LoggerService, LogLevel } from '@nestjs/common';
import type { LogRecord } from './log-record.interface';
import type { LogFormat, LogStream, OrionLoggerOptions } from './orion-logger.options';

/** Enabled levels, in one object so a logger and its children share changes. */
interface LevelState {
  levels: readonly LogLevel[];
}

const levelsFrom = (minimum: LogLevel): LogLevel[] =>
  (Object.keys(LOG_LEVEL_SEVERITY) as LogLevel[]).filter((level) => LOG_LEVEL_SEVERITY[level] >= LOG_LEVEL_SEVERITY[minimum]);

/**
 * Structured logger of Orion: a Nest `LoggerService` that writes either a
 * readable tree (`format: 'tree'`) or one JSON object per line (`format: 'json'`).
 *
 * It takes Nest's call signatures as they are, so it can be the app logger:
 * `NestFactory.create(AppModule, { logger: new OrionLogger() })` or
 * `app.useLogger(new OrionLogger())`. On top of those, plain objects are fields:
 * `logger.log({ message: 'request handled', pattern: 'orders.create' }, 'orders.http')`
 * or `logger.log('request handled', { durationMs: 12.4 }, 'orders.http')`.
 *
 * NOTE: the file role is `logger` (not Nest's `service`) so the class name stays
 * subject + role, as STYLE §2 asks: `orion.logger.ts` → `OrionLogger`.
 *
 * @publicApi
 */
export class OrionLogger implements LoggerService {
  /** Output form in use, fixed at construction. */
  readonly format: LogFormat;
  private readonly options: OrionLoggerOptions;
  private readonly isNoColorSet: boolean;
  private levelState: LevelState;

  /**
   * @param options see `OrionLoggerOptions`; without `format`, the `LOG_FORMAT`
   * env var decides, else `'tree'`.
   * @throws InvalidLoggingOptionError on an unknown format (option or `LOG_FORMAT`) or level.
   */
  constructor(options: OrionLoggerOptions = {}) {
    this.options = options;
    this.format =
      options.format === undefined ? resolveLogFormat(process.env[LOG_FORMAT_ENV]) : resolveLogFormat(options.format, 'options.format');
    const minimum = options.level === undefined ? resolveLogLevel(undefined) : resolveLogLevel(options.level, 'options.level');
    this.levelState = { levels: levelsFrom(minimum) };
    this.isNoColorSet = (process.env[NO_COLOR_ENV] ?? '') !== '';
  }

  /** Writes a `log` entry, printed as `INFO`. */
  log(message: unknown, ...optionalParams: unknown[]): void {
    this.write('log', message, optionalParams);
  }

  /** Writes an `error` entry. Accepts `error(msg, stack?, context?)` and `error(err, context?)`. */
  error(message: unknown, ...optionalParams: unknown[]): void {
    this.write('error', message, optionalParams);
  }

  /** Writes a `warn` entry. */
  warn(message: unknown, ...optionalParams: unknown[]): void {
    this.write('warn', message, optionalParams);
  }

  /** Writes a `debug` entry (dropped at the default level). */
  debug(message: unknown, ...optionalParams: unknown[]): void {
    this.write('debug', message, optionalParams);
  }

  /** Writes a `verbose` entry (dropped at the default level). */
  verbose(message: unknown, ...optionalParams: unknown[]): void {
    this.write('verbose', message, optionalParams);
  }

  /** Writes a `fatal` entry. Accepts the same signatures as `error`. */
  fatal(message: unknown, ...optionalParams: unknown[]): void {
    this.write('fatal', message, optionalParams);
  }

  /**
   * Sets the enabled levels, with Nest's meaning: a listed level is enabled, and
   * so is every level above the highest one listed (`['log']` means log and up).
   * An empty list turns logging off. Shared with every child of this logger.
   */
  setLogLevels(levels: LogLevel[]): void {
    this.levelState.levels = [...levels];
  }

  /** Whether an entry of `level` would be written. */
  isLevelEnabled(level: LogLevel): boolean {
    const { levels } = this.levelState;
    if (levels.includes(level)) {
      return true;
    }
    const highest = Math.max(...levels.map((enabled) => LOG_LEVEL_SEVERITY[enabled]));
    return levels.length > 0 && LOG_LEVEL_SEVERITY[level] >= highest;
  }

  /**
   * A logger bound to `context`: entries without an explicit context get it.
   * It writes to the same stream in the same format, and shares the enabled
   * levels, so `setLogLevels` on the parent applies to it too.
   */
  child(context: string): OrionLogger {
    const child = new OrionLogger({ ...this.options, format: this.format, context });
    child.levelState = this.levelState;
    return child;
  }

  private write(level: LogLevel, message: unknown, optionalParams: unknown[]): void {
    if (!this.isLevelEnabled(level)) {
      return;
    }
    const parsed = parseLogArguments(level, [message, ...optionalParams]);
    const record: LogRecord = {
      ...parsed,
      time: this.options.clock?.() ?? new Date(),
      level,
      context: parsed.context ?? this.options.context,
    };
    const stream = this.streamFor(level);
    const text = this.format === 'json' ? formatJsonRecord(record) : formatTreeRecord(record, this.hasColors(stream));
    stream.write(`${text}\n`);
  }

  /** Resolved per write so a replaced `process.stdout` (test runners do this) is honored. */
  private streamFor(level: LogLevel): LogStream {
    if (this.options.stream !== undefined) {
      return this.options.stream;
    }
    return LOG_LEVELS_WITH_STACK.includes(level) ? process.stderr : process.stdout;
  }

  private hasColors(stream: LogStream): boolean {
    return this.options.colors ?? (stream.isTTY === true && !this.isNoColorSet);
  }
}
