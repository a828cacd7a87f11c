import { resolveLogFormat, resolveLogLevel, type LoggingEnv } from './log-env.util';
import { LOG_FORMAT_ENV, LOG_LEVEL_ENV, NO_COLOR_ENV } from './logging.constants';
import { OrionLogger } from './orion.logger';
import type { OrionLoggerOptions } from './orion-logger.options';

/**
 * Builds an `OrionLogger` from the environment: `LOG_FORMAT` (`tree` | `json`,
 * default `tree`), `LOG_LEVEL` (a Nest level or `info`, default `log`) and
 * `NO_COLOR`. Other options (stream, context, clock) come from `options`.
 *
 * @example
 * const app = await NestFactory.create(AppModule, { logger: createLoggerFromEnv() });
 *
 * @throws InvalidLoggingOptionError when `LOG_FORMAT` or `LOG_LEVEL` is unknown.
 * @publicApi
 */
export function createLoggerFromEnv(
  env: LoggingEnv = process.env,
  options: Omit<OrionLoggerOptions, 'format' | 'level'> = {},
): OrionLogger {
  const isNoColorSet = (env[NO_COLOR_ENV] ?? '') !== '';
  return new OrionLogger({
    ...options,
    format: resolveLogFormat(env[LOG_FORMAT_ENV], LOG_FORMAT_ENV),
    level: resolveLogLevel(env[LOG_LEVEL_ENV], LOG_LEVEL_ENV),
    colors: options.colors ?? (isNoColorSet ? false : undefined),
  });
}
