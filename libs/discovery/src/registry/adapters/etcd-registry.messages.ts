/**
 * Text of the errors specific to the `etcd://` backends (registry and leader election),
 * kept as functions like `errors/discovery-errors.messages.ts`.
 *
 * NOTE: these move to `discovery.messages.ts` with the other backend texts once it exists.
 */

export const ETCD_DRIVER_MISSING_MESSAGE = (): string =>
  'The etcd:// registry backend needs the "etcd3" package (v1): install it with `npm install etcd3`.';

export const ETCD_UNAVAILABLE_MESSAGE = (endpoint: string, operation: string, cause: string): string =>
  `etcd registry backend ${endpoint} failed during ${operation}: ${cause}. ` +
  'The cluster is unreachable or failing; retry later (a failed write may or may not have been applied).';

export const ETCD_INVALID_PREFIX_REASON = (prefix: string): string =>
  `invalid prefix ${JSON.stringify(prefix)} (expected 1..64 letters, digits, '.', '_' or '-')`;

export const ETCD_UNKNOWN_PARAMETER_REASON = (name: string): string => `unknown URL parameter "${name}" (known: prefix, tls)`;

export const ETCD_URL_SHAPE_REASON = 'expected etcd://[user:password@]host:port[,host:port...][?prefix=<p>&tls=true]';
