/**
 * The protocols an instance can advertise. One entry per listener it really serves.
 *
 * @publicApi
 */
export type EndpointProtocol = 'http' | 'ws' | 'tcp' | 'udp' | 'grpc' | 'mqtt';

/**
 * Lifecycle / health status published in the registry.
 * - `starting`: registered, listeners up, not yet ready for traffic
 * - `passing`: ready, takes traffic
 * - `warning`: degraded but serving (balancers may prefer others)
 * - `critical`: failing health checks, gets no traffic
 * - `draining`: shutting down, finishes in-flight work, gets no new traffic
 *
 * @publicApi
 */
export type InstanceStatus = 'starting' | 'passing' | 'warning' | 'critical' | 'draining';

/**
 * One listener of an instance, as really bound (port 0 resolved, reachable host).
 *
 * @publicApi
 */
export interface ServiceEndpoint {
  protocol: EndpointProtocol;
  host: string;
  port: number;
  /** Full URL where the protocol has one (http://, ws://, mqtt://, grpc host:port). */
  url?: string;
  tls?: boolean;
  /** gRPC: proto package and the services this instance serves. */
  grpcPackage?: string;
  grpcServices?: string[];
  /** gRPC: the method serving each endpoint pattern. */
  grpcMethods?: Record<string, { service: string; method: string }>;
  /** MQTT: topic prefix under which this instance's patterns are subscribed. */
  mqttTopicBase?: string;
  /** MQTT: protocol version the instance speaks to the broker (4 = 3.1.1, 5). */
  mqttProtocolVersion?: 4 | 5;
  /** WebSocket: path on the HTTP server. */
  path?: string;
}

/**
 * Load report carried by every heartbeat.
 *
 * @publicApi
 */
export interface InstanceLoad {
  /** Requests being handled right now. */
  inFlight: number;
  /** Requests completed per second over the last report interval. */
  requestsPerSecond: number;
  /** Exponentially weighted moving average of handler latency, milliseconds. */
  latencyEwmaMs: number;
  /** Event loop utilization 0..1 (perf_hooks.eventLoopUtilization). */
  eventLoopUtilization: number;
  /** Event loop lag, milliseconds (p99 of the last interval). */
  eventLoopLagMs: number;
}

/**
 * A registered instance of a service.
 *
 * @publicApi
 */
export interface ServiceInstance {
  /**
   * Unique per instance, stable for the life of the process. Must match
   * `^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$` (it is a file name in the `file://` registry).
   */
  id: string;
  /** Service name: lowercase letters, digits and dashes, 1..63 chars. */
  service: string;
  version: string;
  zone?: string;
  /** Relative weight for weighted balancing; default 1. */
  weight: number;
  metadata: Record<string, string>;
  status: InstanceStatus;
  endpoints: ServiceEndpoint[];
  load?: InstanceLoad;
  /** Epoch milliseconds. */
  registeredAt: number;
  /** Epoch milliseconds of the last successful heartbeat. */
  renewedAt: number;
}
