export { TcpServer } from './tcp/tcp.server';
export { TcpClient } from './tcp/tcp.client';
export { GrpcServer, type GrpcServerOptions } from './grpc/grpc.server';
export { buildJsonProto, GRPC_JSON_MESSAGE } from './grpc/grpc-json-proto.util';
export { MqttServer } from './mqtt/mqtt.server';
export { MqttMessageContext } from './mqtt/mqtt-message.context';
export {
  startEmbeddedMqttBroker,
  type EmbeddedMqttBroker,
  type EmbeddedMqttBrokerOptions,
  type MqttCredentials,
} from './mqtt/embedded-mqtt-broker';
export type { EmbeddedMqttRole, EmbeddedMqttUser } from './mqtt/embedded-mqtt-access';
export { WsMessageContext } from './ws/ws-message.context';
export { WsServer, WS_TRANSPORT, WS_IDLE_CLOSE_CODE, type WsAddress } from './ws/ws.server';
export {
  UdpServer,
  UdpClient,
  UdpContext,
  UdpStatus,
  UDP_TRANSPORT,
  UDP_WIRE_VERSION,
  UDP_DEFAULT_MAX_DATAGRAM_BYTES,
  UDP_MAX_DATAGRAM_BYTES,
  UDP_MIN_DATAGRAM_BYTES,
  UDP_HMAC_BYTES,
  UDP_DEFAULT_REPLY_CACHE_TTL_MS,
  UDP_DEFAULT_REPLY_CACHE_MAX_ENTRIES,
  UDP_AMPLIFICATION_FACTOR,
  UDP_HMAC_KEY_ENV,
  type UdpEvents,
  type UdpServerStats,
  type UdpClientStats,
  type UdpListenerOptions,
  type UdpClientOptions,
  type UdpCallOptions,
  type UdpRetransmitOptions,
  type UdpReplyCacheOptions,
  type UdpHmacKey,
  type UdpSocketType,
} from './udp';
export { isNotSentError, toClientError, withDeadline } from './client-call.util';
export { ClientStatus } from './client.events';
export { WsClient } from './ws/ws.client';
export type { WsClientOptions, WsClientEvents } from './ws/ws-client.options';
export { GrpcClient } from './grpc/grpc.client';
export type { GrpcClientOptions, GrpcClientMethod } from './grpc/grpc-client.options';
export { encodeJsonMessage, decodeJsonMessage } from './grpc/grpc-json-message.codec';
export { MqttClient } from './mqtt/mqtt.client';
export type { MqttClientOptions, MqttClientEvents } from './mqtt/mqtt-client.options';
export { HttpClient } from './http/http.client';
export type { HttpClientOptions, HttpClientRequest, HttpClientResponse } from './http/http-client.options';
