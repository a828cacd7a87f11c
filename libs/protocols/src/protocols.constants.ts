/** Metadata key for `@Endpoint` / `@EventEndpoint` on a method. */
export const ENDPOINT_METADATA = 'protocols:endpoint';
/** Metadata key for `@UseMiddleware` on a class or method. */
export const MIDDLEWARE_METADATA = 'protocols:middleware';

/** Header carrying the correlation id across hops (all protocols). */
export const CORRELATION_ID_HEADER = 'x-correlation-id';
/** Header carrying the remaining time budget in milliseconds at send time. */
export const TIMEOUT_HEADER = 'x-orion-timeout-ms';
/** Header carrying an absolute deadline (epoch ms); used when no timeout header is set. */
export const DEADLINE_HEADER = 'x-orion-deadline';
/**
 * Header pinning calls to a version range per service, `<service>@<range>` comma-separated
 * (`orders@2.1.x, inventory@^3`): `@orion/discovery`'s balanced clients send a call to that
 * service only to an instance in the range. Forwarded to the next hop like the correlation id.
 */
export const VERSION_PIN_HEADER = 'x-orion-version-pin';
/** Header carrying the request id chosen by the caller. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** Every protocol an endpoint can be served over. */
export const ALL_PROTOCOLS = ['http', 'ws', 'tcp', 'udp', 'grpc', 'mqtt'] as const;

/** Default gRPC package of the generated JSON proto. */
export const GRPC_DEFAULT_PACKAGE = 'orion';
/** Default path of the WebSocket endpoint when it shares the HTTP server. */
export const WS_DEFAULT_PATH = '/ws';
/** Largest TCP frame a listener accepts by default (bytes). */
export const TCP_DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024;
/** Largest WebSocket message accepted by default (bytes). */
export const WS_DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;
/** Default timeout of a client call when none is given (ms). */
export const CLIENT_DEFAULT_TIMEOUT_MS = 5000;
/** Time a TCP frame may take to arrive whole, from its first byte (ms). */
export const TCP_DEFAULT_FRAME_TIMEOUT_MS = 30_000;
/** Replies queued for a TCP peer that does not read, beyond which it is disconnected (bytes). */
export const TCP_MAX_SEND_BUFFER_BYTES = 64 * 1024 * 1024;
/** Largest HTTP request body accepted by default (bytes). */
export const HTTP_DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Largest gRPC message received or sent by default (bytes). */
export const GRPC_DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** Largest MQTT payload handled by default (bytes). */
export const MQTT_DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;
