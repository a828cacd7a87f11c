import type { ClientTlsOptions, TlsOptions } from '../tls/tls.options';

/**
 * A socket listener. `port: 0` binds any free port; the bound one is reported by
 * `startProtocols`. (With each listener's options below, in a file of their own so that
 * transports can use them without importing the module options, which import the
 * transports' option types: no import cycle, no import from the core into the transports.)
 *
 * @publicApi
 */
export interface ListenerOptions {
  /** Interface to bind. Default `127.0.0.1`. */
  host?: string;
  /** Port to bind. Default `0` (any free port). */
  port?: number;
}

/** @publicApi */
export interface HttpListenerOptions extends ListenerOptions {
  /**
   * Largest accepted request body (JSON or urlencoded) in bytes; a larger one is answered
   * 413 with a `RESOURCE_EXHAUSTED` error body. Default 1 MiB.
   */
  maxBodyBytes?: number;
  /**
   * Serve HTTPS. `startProtocols` gives the Nest app an HTTPS server before it starts; no
   * `httpsOptions` at `NestFactory.create` are needed. A WebSocket listener that shares
   * the HTTP server then serves `wss://` too.
   */
  tls?: TlsOptions;
}

/** @publicApi */
export interface WsListenerOptions {
  /**
   * Own port for WebSocket. When omitted and `http` is configured, WebSocket shares the
   * HTTP server on `path`; when omitted without `http`, it binds any free port.
   */
  port?: number;
  host?: string;
  /** Upgrade path. Default `/ws`. */
  path?: string;
  /** Largest accepted message in bytes; a larger one closes the connection with 1009. Default 1 MiB. */
  maxPayloadBytes?: number;
  /**
   * Most WebSocket connections open at once; upgrades beyond it are refused with HTTP 503.
   * Default: no limit.
   */
  maxConnections?: number;
  /** Close a connection (code 1001) that sent nothing for this many ms. Default 0: never. */
  idleTimeoutMs?: number;
  /**
   * Origins (e.g. `https://shop.example`) besides the listener's own whose pages may open a
   * WebSocket; `'*'` for any. An upgrade with another `Origin` (a foreign page in a
   * visitor's browser) is refused with HTTP 403; one without `Origin` (not a browser) is
   * accepted. Default: same origin only (`Origin` host = `Host`).
   */
  allowedOrigins?: readonly string[] | '*';
  /**
   * Serve `wss://` on the WebSocket listener's own port (needs `port`). A listener that
   * shares the HTTP server follows `http.tls` instead.
   */
  tls?: TlsOptions;
}

/** @publicApi */
export interface TcpListenerOptions extends ListenerOptions {
  /**
   * Largest accepted frame (characters of the JSON body, as Nest's framing counts them).
   * A larger length prefix is refused with RESOURCE_EXHAUSTED before the body is read.
   * Default 4 MiB.
   */
  maxFrameBytes?: number;
  /**
   * A frame must arrive whole within this many ms of its first byte, else the connection
   * is answered INVALID_ARGUMENT and closed. Default 30000.
   */
  frameTimeoutMs?: number;
  /** Most connections open at once; more are closed as soon as they are accepted. Default: no limit. */
  maxConnections?: number;
  /** Close a connection that sent nothing for this many ms. Default 0: never. */
  idleTimeoutMs?: number;
  /** Serve TCP over TLS (Nest's framing inside the TLS stream); `TcpClient` takes `tls` to match. */
  tls?: TlsOptions;
}

/** @publicApi */
export interface GrpcListenerOptions extends ListenerOptions {
  /**
   * Your own .proto file(s). When set, endpoints must name their `grpc.service` /
   * `grpc.method` from it and payloads are your typed messages. When omitted, a proto
   * is generated: every endpoint becomes `rpc Method (JsonMessage) returns (JsonMessage)`
   * where `JsonMessage { string json = 1; }` carries the payload as JSON.
   */
  protoPath?: string | string[];
  /** Proto package. Default `orion` (generated proto) — required with `protoPath`. */
  package?: string;
  /** Largest message received or sent, in bytes; larger ones end with RESOURCE_EXHAUSTED. Default 4 MiB. */
  maxMessageBytes?: number;
  /**
   * Serve gRPC over TLS (`grpc.ServerCredentials.createSsl`); with `requestClientCert`,
   * mutual TLS. Default: insecure credentials.
   */
  tls?: TlsOptions;
}

/** @publicApi */
export interface MqttListenerOptions {
  /** Broker URL, e.g. `mqtt://127.0.0.1:1883`. */
  url: string;
  /**
   * Topic prefix only this instance subscribes to (`<instanceTopicBase>/<pattern>`), so a
   * balanced client can address exactly one instance. Default `orion/i/<random id>`.
   */
  instanceTopicBase?: string;
  /**
   * Subscribe the plain pattern topics as MQTT 5 shared subscriptions
   * (`$share/<sharedGroup>/<pattern>`), so the broker hands each plain request or event to
   * one instance of the group instead of all. Default: plain subscriptions (every instance
   * gets every message, as with Nest).
   */
  sharedGroup?: string;
  username?: string;
  password?: string;
  /**
   * TLS of the broker connection, for an `mqtts://` (or `wss://`) URL: the CA that signs
   * the broker's certificate, and a client certificate when the broker requires one.
   */
  tls?: ClientTlsOptions;
  clientId?: string;
  /**
   * MQTT protocol version. Default 5: headers as user properties, replies to the
   * request's response topic. Use 4 (3.1.1) for brokers without MQTT 5, such as the
   * in-process one: headers then travel in the envelope's `metadata`.
   */
  protocolVersion?: 4 | 5;
  /**
   * Largest payload handled, in bytes; a larger one is refused with RESOURCE_EXHAUSTED
   * (when it has a reply address) or dropped and counted, without being parsed. Default 1 MiB.
   */
  maxPayloadBytes?: number;
}
