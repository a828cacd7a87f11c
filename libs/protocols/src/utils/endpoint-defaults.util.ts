import { ProtocolError } from '../errors/protocol.error';

/** Patterns are routing keys shared by every protocol: topic-, path- and name-safe. */
const PATTERN_SHAPE = /^[A-Za-z0-9][A-Za-z0-9_.:\-/]{0,199}$/;

export function assertValidPattern(pattern: unknown, where: string): asserts pattern is string {
  if (typeof pattern !== 'string' || !PATTERN_SHAPE.test(pattern) || pattern.includes('//')) {
    throw new TypeError(
      `${where}: invalid endpoint pattern ${JSON.stringify(pattern)}; use letters, digits and _ . : - / (no wildcards, max 200 chars)`,
    );
  }
}

/** `orders.create` → `/orders/create`. */
export function defaultHttpPath(pattern: string): string {
  return '/' + pattern.replace(/[.:]/g, '/');
}

/** `orders.create` → `OrdersCreate`. */
export function toPascalCase(pattern: string): string {
  return pattern
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
}

/** `OrdersController` → `Orders`. */
export function defaultGrpcService(className: string): string {
  const name = className.replace(/Controller$/, '');
  return name.length > 0 ? name : className;
}

export function notImplemented(message: string): ProtocolError {
  return new ProtocolError('UNIMPLEMENTED', message);
}
