import { LOG_LEVEL_LABELS, TREE_BRANCH, TREE_CONTINUATION, TREE_LAST_BRANCH } from './logging.constants';
import { escapeControlChars } from './escape-control.util';
import { toDisplayString } from './safe-json.util';
import type { LogLevel } from '@nestjs/common';
import type { LogRecord } from './log-record.interface';

/** SGR foreground codes, the same palette as Nest's `ConsoleLogger`. */
const LEVEL_COLORS = {
  verbose: '36',
  debug: '35',
  log: '32',
  warn: '33',
  error: '31',
  fatal: '1;31',
} as const satisfies Record<LogLevel, string>;
const GRAY = '90';
const YELLOW = '33';

type Paint = (code: string, text: string) => string;
const ansi: Paint = (code, text) => `\x1b[${code}m${text}\x1b[0m`;
const plain: Paint = (_code, text) => text;

/**
 * Text from outside (a topic, a pattern, a header) with its control characters written as
 * escapes, so that only our own colours reach the terminal; line breaks stay (they become
 * tree continuation lines).
 */
const safeText = (text: string): string => escapeControlChars(text.replace(/\r\n/g, '\n'), true);

/** `toISOString` throws on an invalid Date; a logger must not. */
const formatTime = (time: Date): string => (Number.isNaN(time.getTime()) ? 'Invalid Date' : time.toISOString());

/**
 * Renders one entry in the tree form:
 *
 * ```
 * [2026-06-01T19:45:22.123Z] INFO | orders.http | request handled
 * ├── pattern: orders.create
 * └── durationMs: 12.4
 * ```
 *
 * Fields keep their given order; the stack (of `error(msg, stack)` or of an
 * Error) comes last because it is the longest. No trailing newline.
 */
export function formatTreeRecord(record: LogRecord, colors = false): string {
  const paint = colors ? ansi : plain;
  // NOTE: continuation lines keep the `│` even under `└──`. Unlike a file tree,
  // the point is that every line of an entry except the first starts with a tree
  // glyph, so the eye (and `grep -v '^\['`) can tell where an entry ends.
  const continued = (text: string): string => text.split(/\r?\n/).join(`\n${paint(GRAY, TREE_CONTINUATION)}`);

  const head = [`${paint(GRAY, `[${formatTime(record.time)}]`)} ${paint(LEVEL_COLORS[record.level], LOG_LEVEL_LABELS[record.level])}`];
  if (record.context !== undefined && record.context !== '') {
    head.push(paint(YELLOW, escapeControlChars(record.context)));
  }
  head.push(safeText(record.message));

  const entries = treeEntries(record);
  const lines = [continued(head.join(' | '))];
  entries.forEach(([key, value], index) => {
    const glyph = index === entries.length - 1 ? TREE_LAST_BRANCH : TREE_BRANCH;
    lines.push(`${paint(GRAY, glyph)}${escapeControlChars(key)}: ${continued(safeText(value))}`);
  });
  return lines.join('\n');
}

function treeEntries(record: LogRecord): Array<[string, string]> {
  // Undefined fields are skipped, as JSON.stringify skips them in the json form.
  const entries = Object.entries(record.fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]): [string, string] => [key, toDisplayString(value)]);
  const stack = record.stack ?? record.error?.stack;
  if (stack !== undefined) {
    entries.push(['stack', stack]);
  } else if (record.error !== undefined) {
    entries.push(['error', `${record.error.name}: ${record.error.message}`]);
  }
  return entries;
}
