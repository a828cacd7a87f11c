import { GRPC_DESCRIPTOR } from './grpc/grpc.descriptor';
import { HTTP_DESCRIPTOR } from './http/http.descriptor';
import { MQTT_DESCRIPTOR } from './mqtt/mqtt.descriptor';
import { TCP_DESCRIPTOR } from './tcp/tcp.descriptor';
import type { TransportAdvertisement, TransportDescriptor } from './transport.descriptor';
import { UDP_DESCRIPTOR } from './udp/udp.descriptor';
import { WS_DESCRIPTOR } from './ws/ws.descriptor';

/** Every listener transport, in the order `startProtocols` connects them. @internal */
export const TRANSPORT_DESCRIPTORS: readonly TransportDescriptor[] = [
  TCP_DESCRIPTOR,
  UDP_DESCRIPTOR,
  GRPC_DESCRIPTOR,
  MQTT_DESCRIPTOR,
  WS_DESCRIPTOR,
];

/**
 * Every transport as an instance advertises it, in the order its endpoints are registered
 * (HTTP, WebSocket, TCP, UDP, gRPC, MQTT). `@orion/discovery` loops over it.
 * @publicApi
 */
export const ADVERTISED_TRANSPORTS: readonly TransportAdvertisement[] = [
  HTTP_DESCRIPTOR,
  WS_DESCRIPTOR,
  TCP_DESCRIPTOR,
  UDP_DESCRIPTOR,
  GRPC_DESCRIPTOR,
  MQTT_DESCRIPTOR,
];
