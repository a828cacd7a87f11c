export { TcpServer } from './tcp/tcp.server';
export { TcpClient } from './tcp/tcp.client';
export { GrpcServer, type GrpcServerOptions } from './grpc/grpc.server';
export { buildJsonProto, GRPC_JSON_MESSAGE } from './grpc/grpc-json-proto.util';
export { MqttServer } from './mqtt/mqtt.server';
export { MqttMessageContext } from './mqtt/mqtt-message.context';
export { startEmbeddedMqttBroker, type EmbeddedMqttBroker } from './mqtt/embedded-mqtt-broker';
export { WsMessageContext } from './ws/ws-message.context';
export { WsServer, WS_TRANSPORT, type WsAddress } from './ws/ws.server';
