import { InvalidLoggingOptionError } from './invalid-logging-option.error';
import {
  LOG_FORMAT_ENV,
  LOG_FORMATS,
  LOG_LEVEL_ALIASES,
  LOG_LEVEL_ENV,
  LOG_LEVEL_SEVERITY,
  LOGGING_DEFAULT_FORMAT,
  LOGGING_DEFAULT_LEVEL,
} from './logging.constants';
import { invalidLogFormatMessage, invalidLogLevelMessage } from './logging.messages';
import type { LogLevel } from '@nestjs/common';
import type { LogFormat } from './orion-logger.options';

/**
 * Environment read by the logging helpers; `process.env` fits.
 *
 * @publicApi
 */
export type LoggingEnv = Readonly<Record<string, string | undefined>>;

const isLogFormat = (value: string): value is LogFormat => (LOG_FORMATS as readonly string[]).includes(value);
const isLogLevel = (value: string): value is LogLevel => Object.hasOwn(LOG_LEVEL_SEVERITY, value);
const isLogLevelAlias = (value: string): value is keyof typeof LOG_LEVEL_ALIASES => Object.hasOwn(LOG_LEVEL_ALIASES, value);

/**
 * Validates a log format, as given in options or in `LOG_FORMAT`. Unset or blank
 * (`LOG_FORMAT=` in a compose file) means the default, `'tree'`.
 *
 * @throws InvalidLoggingOptionError naming the valid values.
 * @publicApi
 */
export function resolveLogFormat(value: string | undefined, source: string = LOG_FORMAT_ENV): LogFormat {
  const trimmed = value?.trim() ?? '';
  if (trimmed === '') {
    return LOGGING_DEFAULT_FORMAT;
  }
  if (!isLogFormat(trimmed)) {
    throw new InvalidLoggingOptionError(invalidLogFormatMessage(trimmed, source));
  }
  return trimmed;
}

/**
 * Validates a minimum log level, as given in options or in `LOG_LEVEL`: one of
 * Nest's levels, or `info` for `log`. Unset or blank means `'log'`.
 *
 * @throws InvalidLoggingOptionError naming the valid values.
 * @publicApi
 */
export function resolveLogLevel(value: string | undefined, source: string = LOG_LEVEL_ENV): LogLevel {
  const trimmed = value?.trim() ?? '';
  if (trimmed === '') {
    return LOGGING_DEFAULT_LEVEL;
  }
  if (isLogLevelAlias(trimmed)) {
    return LOG_LEVEL_ALIASES[trimmed];
  }
  if (!isLogLevel(trimmed)) {
    throw new InvalidLoggingOptionError(invalidLogLevelMessage(trimmed, source));
  }
  return trimmed;
}
