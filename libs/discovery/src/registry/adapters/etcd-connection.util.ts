import { createRequire } from 'node:module';
import type { Etcd3, IOptions } from 'etcd3';
import { InvalidRegistryUrlError } from '../../errors/invalid-registry-url.error';
import {
  ETCD_DEFAULT_PREFIX,
  ETCD_DEFAULT_REQUEST_TIMEOUT_MS,
  ETCD_HOST_HALF_OPEN_AFTER_MS,
  type EtcdConnectionOptions,
} from './etcd-connection.options';
import { EtcdDriverMissingError } from './etcd-driver-missing.error';
import { ETCD_INVALID_PREFIX_REASON, ETCD_UNKNOWN_PARAMETER_REASON, ETCD_URL_SHAPE_REASON } from './etcd-registry.messages';

const ETCD_SCHEMES = ['etcd'] as const;
const URL_PATTERN = /^etcd:\/\/(?:([^@/?#]*)@)?([^/?#]+)\/?(?:\?([^#]*))?$/i;
const HOST_PATTERN = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/;
const PREFIX_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const KNOWN_PARAMETERS = new Set(['prefix', 'tls']);

/** A resolved etcd connection recipe. */
export interface EtcdConnectionTarget {
  /** Hosts as `host:port`. */
  hosts: string[];
  prefix: string;
  /** `etcd://host:port[,...]` without credentials, for messages. */
  endpoint: string;
  requestTimeoutMs: number;
  auth?: { username: string; password: string };
  tls?: Exclude<EtcdConnectionOptions['tls'], false>;
}

/** The few cockatiel members used to tune etcd3's fault handling. */
interface CockatielSubset {
  handleWhen(predicate: (error: Error) => boolean): unknown;
  circuitBreaker(policy: unknown, options: { halfOpenAfter: number; breaker: unknown }): unknown;
  retry(policy: unknown, options: { maxAttempts: number }): unknown;
  ConsecutiveBreaker: new (threshold: number) => unknown;
}

/**
 * Reads `etcd3` only now, so apps that never use an `etcd://` URL do not need it.
 *
 * @throws EtcdDriverMissingError when the package is not installed.
 */
export function loadEtcdDriver(): typeof import('etcd3') {
  try {
    return require('etcd3') as typeof import('etcd3');
  } catch (error) {
    if ((error as NodeJS.ErrnoException)?.code === 'MODULE_NOT_FOUND' && String((error as Error).message).includes("'etcd3'")) {
      throw new EtcdDriverMissingError(error);
    }
    throw error;
  }
}

/**
 * Resolves URL and options.
 *
 * @throws InvalidRegistryUrlError for a malformed URL, unknown parameter or invalid prefix.
 */
export function resolveEtcdConnection(options: EtcdConnectionOptions): EtcdConnectionTarget {
  const rawUrl = options.url ?? 'etcd://127.0.0.1:2379';
  const invalid = (reason: string): InvalidRegistryUrlError => new InvalidRegistryUrlError(rawUrl, ETCD_SCHEMES, reason);
  const match = URL_PATTERN.exec(rawUrl.trim());
  if (!match) throw invalid(ETCD_URL_SHAPE_REASON);
  const [, userInfo, hostList, query = ''] = match;
  const params = new URLSearchParams(query);
  for (const name of params.keys()) if (!KNOWN_PARAMETERS.has(name)) throw invalid(ETCD_UNKNOWN_PARAMETER_REASON(name));
  const hosts =
    options.hosts ??
    hostList.split(',').map((host) => {
      const parts = HOST_PATTERN.exec(host.trim());
      if (!parts) throw invalid(`invalid host "${host}"`);
      return `${parts[1]}:${parts[2] ?? '2379'}`;
    });
  const prefix = options.prefix ?? params.get('prefix') ?? ETCD_DEFAULT_PREFIX;
  if (!PREFIX_PATTERN.test(prefix)) throw invalid(ETCD_INVALID_PREFIX_REASON(prefix));
  let auth = options.auth;
  if (!auth && userInfo) {
    const colon = userInfo.indexOf(':');
    try {
      const username = decodeURIComponent(colon < 0 ? userInfo : userInfo.slice(0, colon));
      auth = { username, password: colon < 0 ? '' : decodeURIComponent(userInfo.slice(colon + 1)) };
    } catch {
      throw invalid('malformed percent-encoding in the credentials');
    }
  }
  const tls = options.tls ?? (params.get('tls') === 'true' || params.get('tls') === '1');
  return {
    hosts,
    prefix,
    endpoint: `etcd://${hosts.join(',')}`,
    requestTimeoutMs: options.requestTimeoutMs ?? ETCD_DEFAULT_REQUEST_TIMEOUT_MS,
    auth,
    tls: tls === false ? undefined : tls,
  };
}

/**
 * A new etcd3 client for `target` (it connects on the first request). Unary requests get
 * a deadline; a host that failed 3 times in a row is skipped for 1 s (so an outage fails
 * fast instead of spinning); gRPC keepalive pings detect dead connections under watches.
 */
export function createEtcdClient(target: EtcdConnectionTarget): Etcd3 {
  const etcd3 = loadEtcdDriver();
  const scheme = target.tls ? 'https' : 'http';
  const toBuffer = (pem: string | Buffer | undefined): Buffer | undefined => (pem === undefined ? undefined : Buffer.from(pem));
  const tlsFiles = typeof target.tls === 'object' ? target.tls : undefined;
  const options: IOptions = {
    hosts: target.hosts.map((host) => `${scheme}://${host}`),
    auth: target.auth,
    // NOTE: grpc's createSsl takes a null root certificate to mean "system roots"; etcd3's type wants a Buffer.
    credentials: tlsFiles && {
      rootCertificate: toBuffer(tlsFiles.ca) as Buffer,
      privateKey: toBuffer(tlsFiles.key),
      certChain: toBuffer(tlsFiles.cert),
    },
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + target.requestTimeoutMs }),
    grpcOptions: {
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 2_000,
    },
    faultHandling: faultHandling(etcd3.isRecoverableError, target.hosts.length),
  };
  return new etcd3.Etcd3(options);
}

/** etcd3's policies with a short circuit-breaker pause; etcd3's defaults if cockatiel cannot be resolved. */
function faultHandling(isRecoverable: (error: Error) => boolean, hostCount: number): IOptions['faultHandling'] {
  let cockatiel: CockatielSubset;
  try {
    // NOTE: cockatiel is etcd3's own dependency; resolve it from there, not from this package.
    cockatiel = createRequire(require.resolve('etcd3'))('cockatiel') as CockatielSubset;
  } catch {
    return undefined;
  }
  const recoverable = cockatiel.handleWhen(isRecoverable);
  return {
    host: () =>
      cockatiel.circuitBreaker(recoverable, { halfOpenAfter: ETCD_HOST_HALF_OPEN_AFTER_MS, breaker: new cockatiel.ConsecutiveBreaker(3) }),
    global: cockatiel.retry(recoverable, { maxAttempts: hostCount }),
  } as IOptions['faultHandling'];
}
