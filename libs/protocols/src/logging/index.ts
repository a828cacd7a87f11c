export { createLoggerFromEnv } from './create-logger-from-env.util';
export { InvalidLoggingOptionError } from './invalid-logging-option.error';
export { resolveLogFormat, resolveLogLevel, type LoggingEnv } from './log-env.util';
export { LOG_FORMAT_ENV, LOG_FORMATS, LOG_LEVEL_ENV } from './logging.constants';
export type { LogFormat, LogStream, OrionLoggerOptions } from './orion-logger.options';
export { OrionLogger } from './orion.logger';
export { escapeControlChars } from './escape-control.util';
export { ThrottledLog, THROTTLED_LOG_DEFAULT_INTERVAL_MS } from './throttled-log.util';
