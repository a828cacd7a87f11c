import mqtt, { type IClientPublishOptions, type MqttClient } from 'mqtt';
import { until } from './raw-clients';

/** One message the probe received. */
export interface ProbeMessage {
  topic: string;
  /** The payload as JSON, or undefined when it is not JSON. */
  body?: Record<string, unknown>;
  correlationData?: string;
}

/**
 * A raw MQTT peer for the bad-input suites: publishes any bytes with any MQTT 5 properties
 * and records what arrives on the topics it subscribed to.
 */
export class MqttProbe {
  readonly messages: ProbeMessage[] = [];

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      let body: Record<string, unknown> | undefined;
      try {
        body = JSON.parse(payload.toString()) as Record<string, unknown>;
      } catch {
        body = undefined;
      }
      this.messages.push({ topic, body, correlationData: packet.properties?.correlationData?.toString() });
    });
  }

  static async open(url: string, protocolVersion: 4 | 5, subscriptions: string[]): Promise<MqttProbe> {
    const client = await mqtt.connectAsync(url, { protocolVersion, reconnectPeriod: 0 });
    await client.subscribeAsync(subscriptions);
    return new MqttProbe(client);
  }

  async publish(topic: string, payload: string | Buffer, properties?: IClientPublishOptions['properties']): Promise<void> {
    await this.client.publishAsync(topic, payload, properties ? { properties } : {});
  }

  /** The first message matching `predicate`. */
  async next(predicate: (message: ProbeMessage) => boolean, timeoutMs = 3000): Promise<ProbeMessage> {
    return until(() => this.messages.find(predicate), timeoutMs, 'an MQTT message');
  }

  /** Whether a matching message arrives within `ms` (to prove a drop). */
  async arrivesWithin(predicate: (message: ProbeMessage) => boolean, ms: number): Promise<boolean> {
    await new Promise((r) => setTimeout(r, ms));
    return this.messages.some(predicate);
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}
