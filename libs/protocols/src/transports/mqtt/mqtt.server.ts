import { Logger } from '@nestjs/common';
import { ServerMqtt, type MessageHandler } from '@nestjs/microservices';
import type { MqttClient, IClientPublishOptions } from 'mqtt';
import type { MqttListenerOptions } from '../../interfaces/protocols-options.interface';
import { ProtocolError } from '../../errors/protocol.error';
import { normalizeHeaders } from '../../utils/headers.util';
import { servesProtocol } from '../serves-protocol.util';
import { MqttMessageContext } from './mqtt-message.context';

interface MqttPacket {
  properties?: { userProperties?: Record<string, unknown>; responseTopic?: string; correlationData?: Buffer };
}

interface Envelope {
  id?: unknown;
  pattern?: unknown;
  data?: unknown;
  metadata?: unknown;
}

/**
 * Nest's MQTT transport speaking MQTT 5: headers from user properties (or the envelope's
 * `metadata`), replies to the request's response topic with its correlation data (or to
 * `<topic>/reply`, as Nest's ClientMqtt expects), error replies for bad envelopes.
 *
 * Envelope (JSON): `{ "id"?: string, "pattern": string, "data": any, "metadata"?: {...} }`;
 * a message without `id` is an event.
 *
 * @publicApi
 */
export class MqttServer extends ServerMqtt {
  private readonly log = new Logger('MqttServer');
  /** Messages dropped because they were unusable and carried no reply address. */
  droppedMessages = 0;

  constructor(options: MqttListenerOptions) {
    super({
      url: options.url,
      username: options.username,
      password: options.password,
      clientId: options.clientId,
      protocolVersion: options.protocolVersion ?? 5,
    });
  }

  override addHandler(pattern: unknown, callback: MessageHandler, isEventHandler?: boolean, extras?: Record<string, unknown>): void {
    if (typeof pattern !== 'string' || !servesProtocol('mqtt', extras)) return;
    super.addHandler(pattern, callback, isEventHandler, extras);
  }

  override async handleMessage(
    channel: string,
    buffer: Buffer,
    pub: MqttClient,
    originalPacket?: Record<string, unknown>,
  ): Promise<unknown> {
    const packet = (originalPacket ?? {}) as MqttPacket;
    const replyTopic = packet.properties?.responseTopic ?? `${channel}/reply`;
    const envelope = this.parseEnvelope(buffer);
    const requestId = typeof envelope?.id === 'string' || typeof envelope?.id === 'number' ? String(envelope.id) : undefined;
    const reply = (body: object) => this.publishReply(pub, replyTopic, { ...body, id: requestId }, packet);

    if (!envelope) {
      return this.refuse(packet, reply, ProtocolError.invalidArgument('MQTT payload is not a JSON envelope {pattern, data, id?}'));
    }
    const headers = {
      ...normalizeHeaders(envelope.metadata),
      ...normalizeHeaders(packet.properties?.userProperties),
    };
    const context = new MqttMessageContext(channel, originalPacket ?? {}, headers, requestId);
    const handler = this.getHandlerByPattern(channel);
    if (requestId === undefined) {
      if (!handler) return this.refuse(packet, reply, ProtocolError.notFound(`no handler for '${channel}'`));
      return this.handleEvent(channel, { pattern: channel, data: envelope.data }, context);
    }
    if (!handler) {
      return reply({ err: ProtocolError.notFound(`no handler for '${channel}'`).toJSON(), isDisposed: true });
    }
    return this.handleRequest(
      context,
      async () => this.transformToObservable(await handler(envelope.data, context)),
      (response) => reply(response),
    );
  }

  private parseEnvelope(buffer: Buffer): Envelope | undefined {
    try {
      const value: unknown = JSON.parse(buffer.toString('utf8'));
      return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Envelope) : undefined;
    } catch {
      return undefined;
    }
  }

  /** An error reply where the sender gave a reply address (MQTT 5), a counted drop where not. */
  private refuse(packet: MqttPacket, reply: (body: object) => unknown, error: ProtocolError): unknown {
    if (packet.properties?.responseTopic) return reply({ err: error.toJSON(), isDisposed: true });
    this.droppedMessages++;
    this.log.warn(`dropped MQTT message: ${error.message}`);
    return undefined;
  }

  private publishReply(pub: MqttClient, topic: string, body: object, packet: MqttPacket): void {
    const options: IClientPublishOptions = {};
    const correlationData = packet.properties?.correlationData;
    if (correlationData) options.properties = { correlationData };
    pub.publish(topic, JSON.stringify(body), options);
  }
}
