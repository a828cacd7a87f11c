import type { TransportDescriptor } from '../transport.descriptor';
import { MqttServer } from './mqtt.server';

/**
 * MQTT in start-up: an `MqttServer` for `mqtt`, its broker URL and topic base, its counters;
 * advertised as the broker's host and port (not the advertise host: other apps dial the
 * broker), its topic base and protocol version. @internal
 */
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
  advertise({ mqtt }) {
    if (!mqtt) return undefined;
    const url = new URL(mqtt.url);
    return {
      protocol: 'mqtt',
      host: url.hostname,
      port: Number(url.port || 1883),
      url: mqtt.url,
      mqttTopicBase: mqtt.topicBase,
      mqttProtocolVersion: mqtt.protocolVersion,
      tls: url.protocol === 'mqtts:',
    };
  },
};
