import { GRPC_DESCRIPTOR } from './grpc/grpc.descriptor';
import { MQTT_DESCRIPTOR } from './mqtt/mqtt.descriptor';
import { TCP_DESCRIPTOR } from './tcp/tcp.descriptor';
import type { TransportDescriptor } from './transport.descriptor';
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
