import { randomUUID } from 'node:crypto';
import type { WritePacket } from '@nestjs/microservices';
import type { MqttClient as MqttConnection, Packet } from 'mqtt';

/** MQTT 5 PUBACK reason "accepted, but no subscribers": nobody will answer the request. */
const NO_MATCHING_SUBSCRIBERS = 0x10;

/**
 * The message ids of MQTT 5 PUBACKs that said "no matching subscribers", which mqtt.js
 * reports to the publish callback as success: `MqttClient` fails such a request at once
 * (nobody will answer it) instead of at its deadline.
 *
 * @internal
 */
export class MqttUnheardPublishes {
  private readonly ids = new Set<number>();

  /** Starts watching the PUBACKs of `mqtt`. */
  watch(mqtt: MqttConnection): void {
    mqtt.on('packetreceive', (packet) => {
      if (packet.cmd === 'puback' && packet.reasonCode === NO_MATCHING_SUBSCRIBERS && packet.messageId !== undefined) {
        this.ids.add(packet.messageId);
      }
    });
  }

  /** True (once) when the broker answered this publish with "no matching subscribers". */
  wasUnheard(sent: Packet | undefined): boolean {
    const messageId = (sent as { messageId?: unknown } | undefined)?.messageId;
    return typeof messageId === 'number' && this.ids.delete(messageId);
  }

  clear(): void {
    this.ids.clear();
  }
}

/** A call of `MqttClient` waiting for its reply (or an event for its PUBACK). @internal */
export interface MqttPendingCall {
  callback: (packet: WritePacket) => void;
  hasResponse: boolean;
  isEvent?: boolean;
}

/** Resolves once `mqtt` is connected (CONNACK); rejects on an error or a close before that. @internal */
export function untilConnected(mqtt: MqttConnection): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const settle = (error?: Error) => {
      mqtt.off('connect', connected).off('error', settle).off('close', closed);
      if (error) reject(error);
      else resolve();
    };
    const connected = () => settle();
    const closed = () => settle(new Error('connection closed'));
    mqtt.once('connect', connected).once('error', settle).once('close', closed);
  });
}

/**
 * The MQTT 5 reply topic of a client: it names the client id, so a broker ACL can let only
 * this client read it (Mosquitto: `pattern read orion/replies/%c`); an id that is no topic
 * level gets a random one. MQTT 3.1.1 has none (replies go to `<topic>/reply`). @internal
 */
export function mqttReplyTopic(protocolVersion: 4 | 5, clientId: string): string | undefined {
  if (protocolVersion !== 5) return undefined;
  return `orion/replies/${/^[^/+#\0]+$/.test(clientId) ? clientId : randomUUID()}`;
}
