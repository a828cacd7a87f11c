import type { IPublishPacket } from 'mqtt';
import type { ClientCallOptions } from '../../interfaces/client-options.interface';
import type { ClientTlsOptions } from '../../tls/tls.options';

/** @publicApi */
export interface MqttClientOptions extends ClientCallOptions {
  /** Broker URL, e.g. `mqtt://127.0.0.1:1883` (`mqtts://`, `ws://` work too). */
  url: string;
  /** 5 (default): response topic and correlation data; 4: MQTT 3.1.1 with `<topic>/reply`. */
  protocolVersion?: 4 | 5;
  /** Prefix of every topic: `<topicBase>/<pattern>`. Default: the pattern is the topic. */
  topicBase?: string;
  username?: string;
  password?: string;
  /** TLS of an `mqtts://` (or `wss://`) URL: the broker's CA, a client certificate when the broker requires one. */
  tls?: ClientTlsOptions;
  /** Default `orion-client-<random>`. */
  clientId?: string;
}

/**
 * Events of the underlying mqtt.js client that `MqttClient.on` forwards.
 *
 * @publicApi
 */
export type MqttClientEvents = {
  connect: () => void;
  close: () => void;
  error: (error: Error) => void;
  message: (topic: string, payload: Buffer, packet: IPublishPacket) => void;
};
