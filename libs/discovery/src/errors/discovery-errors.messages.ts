/**
 * Text of every error thrown by the registry and leader-election backends, kept as
 * functions so wording lives in one place and tests can compare against it.
 *
 * NOTE: these belong in `discovery.messages.ts` at the library root once that file
 * exists; they live here because the backends are built before the module.
 */

/** Shows a caller-supplied value unambiguously (quotes strings, shows `undefined`). */
const show = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value) : String(value));

export const INVALID_SERVICE_NAME_MESSAGE = (value: unknown, pattern: string): string =>
  `Invalid service name ${show(value)}: expected ${pattern} (lowercase letters, digits and dashes, 1..63 chars, starting with a letter).`;

export const MISSING_SERVICE_NAME_MESSAGE = (reason: string): string =>
  `ServiceDiscoveryModule needs a service name to register this app (${reason}): give it \`service: { name }\`, ` +
  `or set \`shouldRegister: false\` for an app that only calls other services.`;

export const INVALID_INSTANCE_ID_MESSAGE = (value: unknown, pattern: string): string =>
  `Invalid instance id ${show(value)}: expected ${pattern} (letters, digits, '.', '_' and '-', 1..128 chars, not starting with '.', '_' or '-').`;

export const INVALID_GROUP_NAME_MESSAGE = (value: unknown, pattern: string): string =>
  `Invalid leader group ${show(value)}: expected ${pattern} (lowercase letters, digits and dashes, 1..63 chars, starting with a letter).`;

export const INVALID_CANDIDATE_ID_MESSAGE = (value: unknown): string =>
  `Invalid leader candidate id ${show(value)}: expected a non-empty string of at most 256 characters.`;

export const INVALID_TTL_MESSAGE = (value: unknown): string =>
  `Invalid ttlMs ${show(value)}: expected a finite number of milliseconds greater than 0.`;

export const DUPLICATE_INSTANCE_MESSAGE = (service: string, instanceId: string): string =>
  `Instance "${instanceId}" of service "${service}" is already registered by another live registry client; ` +
  `use a unique instance id, or wait until that entry's TTL runs out.`;

export const INSTANCE_NOT_REGISTERED_MESSAGE = (instanceId: string): string =>
  `Instance "${instanceId}" is not registered by this registry client (never registered, deregistered, ` +
  `or its TTL ran out before the heartbeat); register it again.`;

export const REGISTRY_CLOSED_MESSAGE = (what: string): string => `${what} is closed; create a new one.`;

export const INVALID_REGISTRY_URL_MESSAGE = (url: unknown, validSchemes: readonly string[], reason: string): string =>
  `Invalid registry URL ${show(url)}: ${reason}. Valid schemes: ${validSchemes.map((s) => `${s}://`).join(', ')}.`;

export const UNSUPPORTED_REGISTRY_MESSAGE = (scheme: string, available: readonly string[]): string =>
  `The "${scheme}://" backend is not available yet in @orion/discovery. ` + `Available now: ${available.map((s) => `${s}://`).join(', ')}.`;

export const LEADERSHIP_LOST_MESSAGE = (group: string, leaderId: string, fencingToken: number): string =>
  `Leadership of group "${group}" held by "${leaderId}" (fencing token ${fencingToken}) is lost: ` +
  `the lease expired, was resigned, or another candidate took over. Stop acting as leader and campaign again.`;

export const LOCK_TIMEOUT_MESSAGE = (lockPath: string, timeoutMs: number): string =>
  `Could not acquire lock file "${lockPath}" within ${timeoutMs}ms.`;

export const INVALID_TRANSPORT_MESSAGE = (service: string, value: unknown, reason: string, valid: readonly string[]): string =>
  `BalancedClientsModule: invalid transport ${Array.isArray(value) ? JSON.stringify(value) : show(value)} for '${service}': ${reason}. ` +
  `Valid transports: ${valid.join(', ')}; give one, or a list in order of preference without repeats (e.g. ['grpc', 'tcp']).`;
