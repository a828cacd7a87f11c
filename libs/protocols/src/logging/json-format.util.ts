import { LOG_LEVEL_LABELS, LOG_UNSERIALIZABLE_PLACEHOLDER } from './logging.constants';
import { safeStringify } from './safe-json.util';
import type { LogRecord } from './log-record.interface';

/**
 * Renders one entry as a single JSON line (no trailing newline):
 * `{"time":"…","level":"info","context":"orders.http","message":"…",…fields}`.
 *
 * The record keys come first so lines read well in a terminal too. A field whose
 * name collides with one of them is written as `field.<name>` instead of
 * overwriting it. Never throws: cycles become `"[Circular]"`, BigInt a string,
 * Errors `{ name, message, stack }`.
 */
export function formatJsonRecord(record: LogRecord): string {
  const base: Record<string, unknown> = {
    time: Number.isNaN(record.time.getTime()) ? null : record.time.toISOString(),
    level: LOG_LEVEL_LABELS[record.level].toLowerCase(),
  };
  if (record.context !== undefined) {
    base.context = record.context;
  }
  base.message = record.message;
  if (record.error !== undefined) {
    base.error = record.error;
  }
  if (record.stack !== undefined) {
    base.stack = record.stack;
  }

  const line: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(record.fields)) {
    line[Object.hasOwn(base, key) ? `field.${key}` : key] = value;
  }
  // NOTE: safeStringify only fails on a throwing getter or toJSON; keep the entry
  // itself rather than lose it, and say the fields could not be written.
  return safeStringify(line) ?? safeStringify({ ...base, fields: LOG_UNSERIALIZABLE_PLACEHOLDER }) ?? '{}';
}
