import { LOG_LEVELS_WITH_STACK } from './logging.constants';
import { toDisplayString } from './safe-json.util';
import type { LogLevel } from '@nestjs/common';
import type { LogRecord } from './log-record.interface';

/** The parts of a `LogRecord` that come from the call arguments. */
export type ParsedLogArguments = Pick<LogRecord, 'context' | 'message' | 'fields' | 'stack' | 'error'>;

/** Same test as Nest's `ConsoleLogger`: a string with at least one `at file:line:col` line. */
const STACK_TRACE_PATTERN = /\n[ \t]+at .+:\d+:\d+/;

const isStackTrace = (value: unknown): value is string => typeof value === 'string' && STACK_TRACE_PATTERN.test(value);

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

/**
 * Sorts Nest-style logger arguments into message, context, fields and stack.
 *
 * Follows `ConsoleLogger`: the last string parameter is the context; for `error`
 * and `fatal` a string (or `undefined`, which Nest's `Logger` pads in) before it is
 * the stack, and a lone trailing parameter that looks like a stack is the stack.
 * Plain-object parameters are merged into the fields; an object message gives
 * its `message` (or `msg`) key as the message and its other keys as fields.
 * Anything else left over is kept in an `args` field rather than dropped.
 */
export function parseLogArguments(level: LogLevel, args: readonly unknown[]): ParsedLogArguments {
  const [first, ...rest] = args;
  const hasStack = LOG_LEVELS_WITH_STACK.includes(level);
  let context: string | undefined;
  let stack: string | undefined;

  const last = rest.at(-1);
  if (hasStack && isStackTrace(last)) {
    stack = last;
    rest.pop();
  } else if (hasStack && rest.length === 1 && last === undefined) {
    rest.pop();
  } else {
    if (typeof last === 'string') {
      context = last;
      rest.pop();
    }
    const beforeContext = rest.at(-1);
    if (hasStack && rest.length > 0 && (typeof beforeContext === 'string' || beforeContext === undefined)) {
      stack = beforeContext;
      rest.pop();
    }
  }

  const { message, fields, error } = parseMessage(first);
  const extra: unknown[] = [];
  let paramError = error;
  for (const param of rest) {
    if (isPlainObject(param)) {
      Object.assign(fields, param);
    } else if (param instanceof Error && paramError === undefined) {
      paramError = param;
    } else {
      extra.push(param);
    }
  }
  if (extra.length > 0) {
    fields.args = extra;
  }
  return { message, context, fields, stack, error: paramError };
}

function parseMessage(value: unknown): { message: string; fields: Record<string, unknown>; error?: Error } {
  if (value instanceof Error) {
    return { message: value.message, fields: {}, error: value };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Date) {
    return { message: toDisplayString(value), fields: {} };
  }
  const fields: Record<string, unknown> = { ...value };
  const key = 'message' in fields ? 'message' : 'msg' in fields ? 'msg' : undefined;
  if (key === undefined) {
    return { message: '', fields };
  }
  const message = fields[key];
  delete fields[key];
  return { message: toDisplayString(message), fields };
}
