import type { BalancedClientStats, BalancedTransport, InstanceCallStats } from '@orion/discovery';
import type { ClientStatsTelemetry } from '../shared/client-stats.publisher';

/** Largest `mesh.telemetry` message taken, as JSON (a real one with 2 clients × 10 instances is ~3 KB). */
export const TELEMETRY_MAX_BYTES = 64 * 1024;
/** Balanced clients kept per instance, and instances per client. */
export const TELEMETRY_MAX_CLIENTS = 8;
export const TELEMETRY_MAX_INSTANCES = 64;
/** Longest name (instance id, service, transport, strategy) kept. */
const MAX_NAME_LENGTH = 128;
const NAME = /^[\w.:@/-]+$/;

/** Version subsets kept per client (`stats().versions`, one per `versionSplit` entry). */
export const TELEMETRY_MAX_VERSIONS = 16;
/** Longest version or range kept (`'2.0.x'`, `'>=2.1.0 <3'`). */
const MAX_VERSION_LENGTH = 64;
/** A semver version, or a range: digits, letters, `. - + * x ^ ~ < > = |` and spaces; nothing else. */
const VERSION = /^[\w.+*^~<>=| -]+$/;

/** One subset of a version split, as the dashboard shows it. */
export interface VersionShareTelemetry {
  version: string;
  weight: number;
  instances: number;
  picks: number;
}

/** Why a message was refused: a short reason, for the counters. */
export type TelemetryRefusal = 'not-an-object' | 'bad-instance-id' | 'too-large' | 'bad-clients';

const name = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 && value.length <= MAX_NAME_LENGTH && NAME.test(value) ? value : undefined;
const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0);
const version = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 && value.length <= MAX_VERSION_LENGTH && VERSION.test(value) ? value : undefined;
const PROTOCOLS: ReadonlySet<string> = new Set<BalancedTransport>(['tcp', 'udp', 'grpc', 'mqtt', 'ws', 'http']);
const protocol = (value: unknown): BalancedTransport | undefined =>
  typeof value === 'string' && PROTOCOLS.has(value) ? (value as BalancedTransport) : undefined;
/** A client's transport, or its preference of several joined by commas (`'grpc,tcp'`). */
const transportName = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length <= MAX_NAME_LENGTH && value.split(',').every((t) => protocol(t) !== undefined)
    ? value
    : undefined;

/** The instance id of a telemetry message, if it has a valid one (checked before anything costly). */
export function telemetryInstanceId(raw: unknown): string | undefined {
  return typeof raw === 'object' && raw !== null ? name((raw as { instanceId?: unknown }).instanceId) : undefined;
}

/**
 * A `mesh.telemetry` message rebuilt from what was received: only known fields, typed,
 * names checked, lists bounded, missing lists empty; or why it is refused. What reaches
 * the dashboard is always the shape it renders, whatever was published.
 */
export function parseTelemetry(raw: unknown): ClientStatsTelemetry | TelemetryRefusal {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'not-an-object';
  const instanceId = telemetryInstanceId(raw);
  if (!instanceId) return 'bad-instance-id';
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(raw));
  } catch {
    return 'not-an-object';
  }
  if (size > TELEMETRY_MAX_BYTES) return 'too-large';
  const clients = (raw as { clients?: unknown }).clients;
  if (!Array.isArray(clients) || clients.length > TELEMETRY_MAX_CLIENTS) return 'bad-clients';
  const parsed = clients.map(parseClient);
  if (parsed.some((client) => client === undefined)) return 'bad-clients';
  return { instanceId, clients: parsed as BalancedClientStats[] };
}

function parseClient(raw: unknown): BalancedClientStats | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const c = raw as Record<string, unknown>;
  const service = name(c.service);
  if (!service) return undefined;
  // NOTE: a publisher from before protocol switching sends no `protocol`: it used its transport.
  const fallback = protocol(typeof c.transport === 'string' ? c.transport.split(',')[0] : undefined) ?? 'tcp';
  const instances = Array.isArray(c.instances)
    ? c.instances.slice(0, TELEMETRY_MAX_INSTANCES).flatMap((i: unknown) => parseInstance(i, fallback))
    : [];
  return {
    service,
    transport: transportName(c.transport) ?? name(c.transport) ?? '?',
    strategy: name(c.strategy) ?? '?',
    isStale: c.isStale === true,
    instances,
    requests: count(c.requests),
    retries: count(c.retries),
    budgetExhausted: count(c.budgetExhausted),
    ...(Array.isArray(c.versions) ? { versions: c.versions.slice(0, TELEMETRY_MAX_VERSIONS).flatMap(parseVersionShare) } : {}),
  };
}

/** A `versionSplit` subset: its range and weight, instances taking traffic, picks. */
function parseVersionShare(raw: unknown): VersionShareTelemetry[] {
  if (typeof raw !== 'object' || raw === null) return [];
  const v = raw as Record<string, unknown>;
  const range = version(v.version);
  return range ? [{ version: range, weight: count(v.weight), instances: count(v.instances), picks: count(v.picks) }] : [];
}

function parseInstance(raw: unknown, fallback: BalancedTransport): InstanceCallStats[] {
  if (typeof raw !== 'object' || raw === null) return [];
  const i = raw as Record<string, unknown>;
  const id = name(i.id);
  if (!id) return [];
  return [
    {
      id,
      inFlight: count(i.inFlight),
      latencyEwmaMs: count(i.latencyEwmaMs),
      successes: count(i.successes),
      failures: count(i.failures),
      ejections: count(i.ejections),
      isEjected: i.isEjected === true,
      picks: count(i.picks),
      protocol: protocol(i.protocol) ?? fallback,
      ...(Array.isArray(i.protocols) ? { protocols: i.protocols.slice(0, PROTOCOLS.size).flatMap((p) => protocol(p) ?? []) } : {}),
      protocolSwitches: count(i.protocolSwitches),
      ...(version(i.version) ? { version: version(i.version) } : {}),
    },
  ];
}
