/**
 * Text of the errors specific to the `redis://` / `rediss://` backends (registry and leader
 * election), kept as functions like `errors/discovery-errors.messages.ts`.
 *
 * NOTE: these move to `discovery.messages.ts` with the other backend texts once it exists.
 */

export const REDIS_DRIVER_MISSING_MESSAGE = (): string =>
  'The redis:// and rediss:// registry backends need the "ioredis" package (v5): install it with `npm install ioredis`.';

export const REDIS_UNAVAILABLE_MESSAGE = (endpoint: string, operation: string, cause: string): string =>
  `Redis registry backend ${endpoint} failed during ${operation}: ${cause}. ` +
  'The server is unreachable or failing; retry later (a failed write may or may not have been applied).';

export const REDIS_INVALID_PREFIX_REASON = (prefix: string): string =>
  `invalid prefix ${JSON.stringify(prefix)} (expected 1..64 letters, digits, '.', '_' or '-')`;

export const REDIS_UNKNOWN_PARAMETER_REASON = (name: string): string => `unknown URL parameter "${name}" (known: prefix)`;
