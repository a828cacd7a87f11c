import { LOG_CIRCULAR_PLACEHOLDER, LOG_UNSERIALIZABLE_PLACEHOLDER } from './logging.constants';

/**
 * Plain-object form of an Error: own enumerable props (such as `code` or
 * `status`) first, then `name`, `message` and `stack`, which `JSON.stringify`
 * would otherwise drop because they are not enumerable.
 */
export function serializeError(error: Error): Record<string, unknown> {
  const serialized: Record<string, unknown> = { ...error, name: error.name, message: error.message, stack: error.stack };
  if (error.cause !== undefined) {
    serialized.cause = error.cause;
  }
  return serialized;
}

/**
 * A `JSON.stringify` replacer that turns BigInt into strings, Errors into
 * `serializeError` objects, Map and Set into objects and arrays, and values that
 * are already on the current path into `"[Circular]"`.
 *
 * NOTE: only ancestors count as circular, not every object seen before, so an
 * object referenced twice side by side is still written out twice.
 */
function createSafeReplacer(): (this: unknown, key: string, value: unknown) => unknown {
  // `holders` are the objects JSON.stringify walks (after conversion); `originals`
  // are what the caller passed, which is what a cycle points back to.
  const holders: unknown[] = [];
  const originals: unknown[] = [];
  return function (this: unknown, _key: string, value: unknown): unknown {
    if (typeof value === 'bigint') {
      return value.toString();
    }
    if (typeof value !== 'object' || value === null) {
      return value;
    }
    while (holders.length > 0 && holders[holders.length - 1] !== this) {
      holders.pop();
      originals.pop();
    }
    if (originals.includes(value)) {
      return LOG_CIRCULAR_PLACEHOLDER;
    }
    const converted = convertObject(value);
    holders.push(converted);
    originals.push(value);
    return converted;
  };
}

function convertObject(value: object): unknown {
  if (value instanceof Error) {
    return serializeError(value);
  }
  if (value instanceof Map) {
    return Object.fromEntries(value);
  }
  if (value instanceof Set) {
    return [...value];
  }
  return value;
}

/**
 * `JSON.stringify` that never throws: circular references become
 * `"[Circular]"`, BigInt becomes a string, Errors become `{ name, message, stack }`.
 * Returns `undefined` when the value has no JSON form (`undefined`, a function)
 * or when a getter or `toJSON` throws.
 */
export function safeStringify(value: unknown): string | undefined {
  try {
    return JSON.stringify(value, createSafeReplacer());
  } catch {
    return undefined;
  }
}

/**
 * Text of a value as a person reads it in the tree form: strings as is, Errors
 * as their stack, Dates as ISO time, objects and arrays as compact JSON.
 */
export function toDisplayString(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'function') {
    return `[Function ${value.name || 'anonymous'}]`;
  }
  if (typeof value !== 'object' || value === null) {
    return String(value);
  }
  if (value instanceof Error) {
    return value.stack ?? `${value.name}: ${value.message}`;
  }
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  }
  return safeStringify(value) ?? LOG_UNSERIALIZABLE_PLACEHOLDER;
}
