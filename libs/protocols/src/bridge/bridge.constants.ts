/**
 * Injection token of the `BridgeForwarders` the bridge sends through (target name →
 * forwarder). `ProtocolBridgeModule.forRoot` provides it from `targets` or `forwarders`.
 *
 * @publicApi
 */
export const BRIDGE_FORWARDER = 'PROTOCOLS:BRIDGE_FORWARDER';

/** @internal the compiled rules of one `ProtocolBridgeModule.forRoot`. */
export const BRIDGE_RULES = 'PROTOCOLS:BRIDGE_RULES';

/** Header telling the target where a bridged message arrived (`mqtt sensors/42/reading`, `http POST /orders`). */
export const BRIDGED_FROM_HEADER = 'x-orion-bridged-from';

/** Time a bridged call may take when the rule sets no `timeoutMs` (ms). */
export const BRIDGE_DEFAULT_TIMEOUT_MS = 5000;

/** Default gRPC service of rules bridged from gRPC. */
export const BRIDGE_DEFAULT_GRPC_SERVICE = 'Bridge';

/**
 * Incoming headers never carried to the target: hop-by-hop and framing headers of the
 * caller's connection, and the budget (restamped by the outgoing client).
 */
export const BRIDGE_DROPPED_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'content-length',
  'content-type',
  'content-encoding',
  'accept',
  'accept-encoding',
  'accept-language',
  'user-agent',
  'cookie',
  'http2-settings',
  'x-orion-timeout-ms',
  'x-orion-deadline',
]);

/** Prefixes of incoming header names never carried (HTTP/2 pseudo-headers, gRPC's own, WebSocket handshake). */
export const BRIDGE_DROPPED_HEADER_PREFIXES: readonly string[] = [':', 'grpc-', 'sec-websocket-', 'sec-fetch-'];
