import type { LogLevel } from '@nestjs/common';

/**
 * Every output form of `OrionLogger`: `tree` for people, `json` for log shippers.
 *
 * @publicApi
 */
export const LOG_FORMATS = ['tree', 'json'] as const;

/** Format used when neither the options nor `LOG_FORMAT` choose one. */
export const LOGGING_DEFAULT_FORMAT = 'tree' satisfies (typeof LOG_FORMATS)[number];
/** Minimum level used when neither the options nor `LOG_LEVEL` choose one. */
export const LOGGING_DEFAULT_LEVEL = 'log' satisfies LogLevel;

/**
 * Environment variable that selects the output form (`tree` or `json`).
 *
 * @publicApi
 */
export const LOG_FORMAT_ENV = 'LOG_FORMAT';
/**
 * Environment variable that selects the minimum level (a Nest level, or `info`).
 *
 * @publicApi
 */
export const LOG_LEVEL_ENV = 'LOG_LEVEL';
/** https://no-color.org: any non-empty value turns colors off. */
export const NO_COLOR_ENV = 'NO_COLOR';

/**
 * Severity of each Nest level, lowest first. Kept here rather than taken from
 * Nest's internal `isLogLevelEnabled`, which `@nestjs/common` does not export.
 */
export const LOG_LEVEL_SEVERITY = {
  verbose: 0,
  debug: 1,
  log: 2,
  warn: 3,
  error: 4,
  fatal: 5,
} as const satisfies Record<LogLevel, number>;

/**
 * Printed level names. Nest's `log` level is printed as `INFO` (and `info` in
 * JSON) because that is the name log shippers and dashboards expect.
 */
export const LOG_LEVEL_LABELS = {
  verbose: 'VERBOSE',
  debug: 'DEBUG',
  log: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  fatal: 'FATAL',
} as const satisfies Record<LogLevel, string>;

/**
 * Extra names accepted by `LOG_LEVEL`: operators read `"level":"info"` in the JSON
 * lines and will set `LOG_LEVEL=info`, so that spelling must work too.
 */
export const LOG_LEVEL_ALIASES = { info: 'log' } as const satisfies Record<string, LogLevel>;

/** Levels whose call signature may carry a stack string (`error(msg, stack, ctx)`). */
export const LOG_LEVELS_WITH_STACK: readonly LogLevel[] = ['error', 'fatal'];

/** Tree glyphs. Every line of an entry after the first starts with one of them. */
export const TREE_BRANCH = '├── ';
export const TREE_LAST_BRANCH = '└── ';
export const TREE_CONTINUATION = '│   ';

/** Written in place of a value already being serialized higher up the same path. */
export const LOG_CIRCULAR_PLACEHOLDER = '[Circular]';
/** Written when a value cannot be serialized at all (throwing getter or `toJSON`). */
export const LOG_UNSERIALIZABLE_PLACEHOLDER = '[Unserializable]';
