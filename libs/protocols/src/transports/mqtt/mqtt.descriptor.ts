import type { TransportDescriptor } from '../transport.descriptor';
import { MqttServer } from './mqtt.server';

/** MQTT in start-up: an `MqttServer` for `mqtt`, its broker URL and topic base, its counters. @internal */
export const MQTT_DESCRIPTOR: TransportDescriptor = {
  protocol: 'mqtt',
  create({ options, direct }) {
    const mqtt = options.mqtt;
    if (!mqtt) return undefined;
    const server = new MqttServer(mqtt, direct);
    return {
      strategy: server,
      address: () => ({ mqtt: { url: mqtt.url, topicBase: server.topicBase, protocolVersion: server.protocolVersion } }),
      stats: () => ({ mqtt: { droppedMessages: server.droppedMessages } }),
    };
  },
};
