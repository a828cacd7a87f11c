export type { Protocol } from './protocol.interface';
export type { ProtocolMessage } from './protocol-message.interface';
export type { ProtocolMiddleware, MiddlewareNext } from './protocol-middleware.interface';
export type {
  ListenerOptions,
  HttpListenerOptions,
  WsListenerOptions,
  TcpListenerOptions,
  GrpcListenerOptions,
  MqttListenerOptions,
} from './listener-options.interface';
export type { EndpointOptions, EndpointMetadata, HttpMethod } from './endpoint-options.interface';
export type { BoundAddresses } from './bound-addresses.interface';
export type { CallOptions, ClientCallOptions, TcpClientOptions } from './client-options.interface';
