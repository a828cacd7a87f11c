import { INSTANCE_ID_PATTERN, SERVICE_NAME_PATTERN } from '../utils/validation.util';
import type { EndpointProtocol, InstanceStatus, ServiceInstance } from './service-instance.interface';

/**
 * The one schema every adapter applies to every entry it reads (memory, file, Redis, etcd),
 * so a hand-written, truncated or hostile entry is skipped at the adapter instead of
 * reaching a balancer. Hand-written (no schema library): the shape is small and stable.
 *
 * Rules (see docs/registry.md, "Entry validation"): the fields and types of
 * `ServiceInstance`; `id` and `service` follow the registration rules and match where the
 * entry was found; ports are integers 0..65535; numbers are finite; strings and lists are
 * bounded. Unknown extra fields are allowed (and kept) for forward compatibility.
 */
export type InstanceCheck = { instance: ServiceInstance; reason?: undefined } | { instance?: undefined; reason: string };

const PROTOCOLS: ReadonlySet<string> = new Set<EndpointProtocol>(['http', 'ws', 'tcp', 'udp', 'grpc', 'mqtt']);
const STATUSES: ReadonlySet<string> = new Set<InstanceStatus>(['starting', 'passing', 'warning', 'critical', 'draining']);
const LOAD_FIELDS = ['inFlight', 'requestsPerSecond', 'latencyEwmaMs', 'eventLoopUtilization', 'eventLoopLagMs'] as const;
const MAX_STRING = 2048;
const MAX_ENDPOINTS = 64;
const MAX_LIST = 1024;

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown, max = MAX_STRING): value is string => typeof value === 'string' && value.length <= max;
const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isOptional = (value: unknown, check: (v: unknown) => boolean): boolean => value === undefined || check(value);
const isStringList = (value: unknown): boolean => Array.isArray(value) && value.length <= MAX_LIST && value.every((v) => isString(v));

function isStringMap(value: unknown, entry: (v: unknown) => boolean): boolean {
  if (!isObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length <= MAX_LIST && keys.every((key) => key.length <= MAX_STRING && entry(value[key]));
}

const isGrpcMethod = (value: unknown): boolean => isObject(value) && isString(value.service) && isString(value.method);

/** Why `raw` is not a valid endpoint, or undefined when it is. */
function endpointProblem(raw: unknown): string | undefined {
  if (!isObject(raw)) return 'is not an object';
  if (typeof raw.protocol !== 'string' || !PROTOCOLS.has(raw.protocol)) return 'has no known protocol';
  if (!isString(raw.host, 255) || raw.host.length === 0) return 'has no host';
  if (!Number.isInteger(raw.port) || (raw.port as number) < 0 || (raw.port as number) > 65_535) return 'has no port 0..65535';
  const optional: Array<[string, (v: unknown) => boolean]> = [
    ['url', (v) => isString(v)],
    ['tls', (v) => typeof v === 'boolean'],
    ['grpcPackage', (v) => isString(v)],
    ['grpcServices', isStringList],
    ['grpcMethods', (v) => isStringMap(v, isGrpcMethod)],
    ['mqttTopicBase', (v) => isString(v)],
    ['mqttProtocolVersion', (v) => v === 4 || v === 5],
    ['path', (v) => isString(v)],
  ];
  const bad = optional.find(([field, check]) => !isOptional(raw[field], check));
  return bad ? `has an invalid '${bad[0]}'` : undefined;
}

/** Why `raw` is not a valid instance, or undefined when it is. */
function instanceProblem(raw: unknown): string | undefined {
  if (!isObject(raw)) return 'the instance is not an object';
  if (typeof raw.id !== 'string' || !INSTANCE_ID_PATTERN.test(raw.id)) return "'id' is missing or invalid";
  if (typeof raw.service !== 'string' || !SERVICE_NAME_PATTERN.test(raw.service)) return "'service' is missing or invalid";
  if (!isString(raw.version, 256)) return "'version' is not a string";
  if (!isOptional(raw.zone, (v) => isString(v, 256))) return "'zone' is not a string";
  if (!isFiniteNumber(raw.weight) || raw.weight < 0) return "'weight' is not a number >= 0";
  if (!isStringMap(raw.metadata, (v) => isString(v))) return "'metadata' is not a map of strings";
  if (typeof raw.status !== 'string' || !STATUSES.has(raw.status)) return "'status' is not a known status";
  if (!Array.isArray(raw.endpoints) || raw.endpoints.length > MAX_ENDPOINTS) return `'endpoints' is not a list of at most ${MAX_ENDPOINTS}`;
  for (const [index, endpoint] of raw.endpoints.entries()) {
    const problem = endpointProblem(endpoint);
    if (problem) return `endpoint ${index} ${problem}`;
  }
  if (!isOptional(raw.load, (v) => isObject(v) && LOAD_FIELDS.every((field) => isFiniteNumber(v[field])))) {
    return "'load' is not a load report";
  }
  if (!isFiniteNumber(raw.registeredAt) || !isFiniteNumber(raw.renewedAt)) return "'registeredAt' / 'renewedAt' are not numbers";
  return undefined;
}

/**
 * Checks `raw` against the instance schema, and that it sits where it was found
 * (`expected.service`, `expected.id`, when the backend's key names them).
 */
export function checkServiceInstance(raw: unknown, expected: { service: string; id?: string }): InstanceCheck {
  const problem = instanceProblem(raw);
  if (problem) return { reason: problem };
  const instance = raw as unknown as ServiceInstance;
  if (instance.service !== expected.service) return { reason: `'service' is '${instance.service}', not '${expected.service}'` };
  if (expected.id !== undefined && instance.id !== expected.id) return { reason: `'id' does not match its key` };
  return { instance };
}
