import { LOG_FORMATS, LOG_LEVEL_ALIASES, LOG_LEVEL_SEVERITY } from './logging.constants';

const quoteAll = (values: readonly string[]): string => values.map((value) => `"${value}"`).join(', ');

/** Text of the error thrown for an unknown log format. */
export const invalidLogFormatMessage = (value: string, source: string): string =>
  `Invalid log format "${value}" (from ${source}). Valid values: ${quoteAll(LOG_FORMATS)}.`;

/** Text of the error thrown for an unknown log level. */
export const invalidLogLevelMessage = (value: string, source: string): string =>
  `Invalid log level "${value}" (from ${source}). Valid values: ${quoteAll([
    ...Object.keys(LOG_LEVEL_SEVERITY),
    ...Object.keys(LOG_LEVEL_ALIASES),
  ])}.`;
