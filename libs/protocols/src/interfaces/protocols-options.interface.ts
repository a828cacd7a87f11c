import type { Type } from '@nestjs/common';
import type { ProtocolMiddleware } from './protocol-middleware.interface';
import type { UdpListenerOptions } from '../transports/udp/udp.options';
import type { ProtocolMetricsOptions } from '../metrics/metrics.options';
import type {
  GrpcListenerOptions,
  HttpListenerOptions,
  MqttListenerOptions,
  TcpListenerOptions,
  WsListenerOptions,
} from './listener-options.interface';

// The module's options name every transport's listener options and the metrics options:
// they sit above the transports (docs/architecture.md, "Layers"). Each listener's own
// options are in the core (listener-options.interface.ts), re-exported here as before.
export type {
  ListenerOptions,
  GrpcListenerOptions,
  HttpListenerOptions,
  MqttListenerOptions,
  TcpListenerOptions,
  WsListenerOptions,
} from './listener-options.interface';

/**
 * A middleware class (resolved through Nest DI, or built with no arguments when it is not
 * a provider) or a ready instance.
 *
 * @publicApi
 */
export type MiddlewareRef = Type<ProtocolMiddleware> | ProtocolMiddleware;

/**
 * Bounds on requests (and events) running at once; one over a bound is refused at once
 * with RESOURCE_EXHAUSTED (HTTP 429). `Infinity` lifts a bound.
 *
 * @publicApi
 */
export interface InFlightLimitOptions {
  /** Per listener (protocol): HTTP, WebSocket, TCP, UDP, gRPC, MQTT each. Default 1024. */
  perListener?: number;
  /** Per endpoint pattern, over all protocols together. Default 512. */
  perEndpoint?: number;
}

/**
 * Options of `ProtocolsModule.forRoot`. A protocol that is not configured is not started.
 *
 * @publicApi
 */
export interface ProtocolsModuleOptions {
  http?: HttpListenerOptions;
  ws?: WsListenerOptions;
  tcp?: TcpListenerOptions;
  udp?: UdpListenerOptions;
  grpc?: GrpcListenerOptions;
  mqtt?: MqttListenerOptions;
  /** Global middleware, run before class and method middleware, in this order. */
  middleware?: MiddlewareRef[];
  /** Log one line per handled request through Nest's logger. Default `true`. */
  logRequests?: boolean;
  /** Name used in log contexts (`<serviceName>.<protocol>`). Default `app`. */
  serviceName?: string;
  /**
   * Prometheus metrics per endpoint and protocol, served on `GET /metrics` (see
   * docs/metrics.md). Default: on when `http` is configured and prom-client is installed.
   */
  metrics?: boolean | ProtocolMetricsOptions;
  /**
   * Longest budget (ms) a request may ask for with `x-orion-timeout-ms`, `x-orion-deadline`
   * or a gRPC deadline; a longer one is cut to it (never fires early). At most 2^31-1 ms,
   * the longest delay a Node timer honours. Default 86400000 (24 h).
   */
  maxDeadlineMs?: number;
  /**
   * Bounds on requests in flight, per listener and per endpoint (see `InFlightLimitOptions`);
   * `false` turns them off. Default 1024 per listener, 512 per endpoint.
   */
  maxInFlight?: InFlightLimitOptions | false;
  /**
   * OpenTelemetry server spans for this app's handlers, on every protocol (see docs/tracing.md).
   * Spans are only made when `@opentelemetry/api` is installed and an SDK is registered;
   * `false` turns them off for this app (inbound trace context is still forwarded). Default `true`.
   * `setTracingEnabled(false)` or `ORION_TRACING=off` turns off every Orion span in the process.
   */
  tracing?: boolean;
}
