import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { ServerMqtt, type MessageHandler } from '@nestjs/microservices';
import type { MqttClient, IClientPublishOptions } from 'mqtt';
import { MQTT_DEFAULT_MAX_PAYLOAD_BYTES } from '../../protocols.constants';
import { badIdMessage, noEndpointMessage, payloadTooLargeMessage } from '../../protocols.messages';
import { serializeReply } from '../serialize-reply.util';
import type { MqttListenerOptions } from '../../interfaces/listener-options.interface';
import { ProtocolError } from '../../errors/protocol.error';
import { normalizeHeaders } from '../../utils/headers.util';
import { salvageRequestId } from '../../utils/salvage-id.util';
import { servesProtocol } from '../serves-protocol.util';
import { escapeControlChars } from '../../logging/escape-control.util';
import { ThrottledLog } from '../../logging/throttled-log.util';
import { handleRequest } from '../nest-compat.util';
import { createProtocolMessage } from '../../context/protocol-message.factory';
import type { DirectHandlers as DirectEndpoints } from '../../interfaces/direct-dispatch.interface';
import { NO_REPLY, nestReplyPackets } from '../../dispatch/nest-reply-packets';
import { MqttMessageContext } from './mqtt-message.context';
import { clientTlsOptions, loadClientTls } from '../../tls/tls-material.util';

/** Largest packet MQTT allows (the broker's own ceiling). */
const MQTT_MAX_PACKET_SIZE = 268_435_455;

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
 * `<topic>/reply`, as Nest's ClientMqtt expects), error replies for bad input.
 *
 * Envelope (JSON): `{ "id"?: string|number, "pattern": string, "data": any, "metadata"?: {...} }`;
 * a message without `id` is an event.
 *
 * Bad input: a payload over `maxPayloadBytes` (not parsed), one that is not a JSON object,
 * or one whose `id` is neither string nor number is refused with RESOURCE_EXHAUSTED or
 * INVALID_ARGUMENT where there is a reply address (a response topic, or a request id that
 * can be read, even from a broken payload); otherwise it is dropped and counted.
 *
 * TLS: an `mqtts://` URL with `tls` (CA of the broker, a client certificate when the broker
 * requires one), plus `username`/`password` when the broker checks them.
 *
 * @publicApi
 */
export class MqttServer extends ServerMqtt {
  private readonly log = new Logger('MqttServer');
  /** Junk is counted always, logged at most once per 10 s: a flood must not become a flood of lines. */
  private readonly junkLog = new ThrottledLog((line) => this.log.warn(line));
  private readonly maxPayloadBytes: number;
  /** Messages dropped because they were unusable and carried no reply address. */
  droppedMessages = 0;
  /** Prefix of this instance's own topics (`<topicBase>/<pattern>`). */
  readonly topicBase: string;
  readonly protocolVersion: 4 | 5;
  private readonly sharedGroup?: string;

  /** @param direct the direct handler path's endpoints (`startProtocols` passes them). */
  constructor(
    options: MqttListenerOptions,
    private readonly direct?: DirectEndpoints,
  ) {
    const maxPayloadBytes = options.maxPayloadBytes ?? MQTT_DEFAULT_MAX_PAYLOAD_BYTES;
    const protocolVersion = options.protocolVersion ?? 5;
    super({
      url: options.url,
      username: options.username,
      password: options.password,
      clientId: options.clientId,
      protocolVersion,
      ...(options.tls ? clientTlsOptions(loadClientTls(options.tls, 'mqtt.tls')) : {}),
      // NOTE: MQTT 5 lets the broker keep huge packets from us at all. Payloads up to 4x the
      // limit still arrive and get a RESOURCE_EXHAUSTED answer; larger ones are the broker's to drop.
      ...(protocolVersion === 5 ? { properties: { maximumPacketSize: Math.min(MQTT_MAX_PACKET_SIZE, maxPayloadBytes * 4 + 65_536) } } : {}),
    });
    this.maxPayloadBytes = maxPayloadBytes;
    this.protocolVersion = protocolVersion;
    this.topicBase = options.instanceTopicBase ?? `orion/i/${randomBytes(6).toString('hex')}`;
    this.sharedGroup = options.sharedGroup;
  }

  /** mqtt.js with Nagle's algorithm off on every (re)connection: it stalls small replies ~40 ms. */
  override async createMqttClient(): Promise<MqttClient> {
    const client = (await super.createMqttClient()) as MqttClient;
    const noDelay = () => (client.stream as { setNoDelay?: (noDelay: boolean) => void } | undefined)?.setNoDelay?.(true);
    client.on('connect', noDelay);
    noDelay();
    return client;
  }

  /** Nest 11's `listen` hands `start` the promise of our async `createMqttClient`: settle it first. */
  override start(callback: (err?: unknown, ...optionalParams: unknown[]) => void): void {
    const pending: unknown = this.mqttClient;
    if (!(pending instanceof Promise)) return super.start(callback);
    pending.then(
      (client: MqttClient) => {
        this.mqttClient = client;
        super.start(callback);
      },
      (error: unknown) => callback(error),
    );
  }

  /**
   * Subscribes every pattern twice: the plain topic (shared when `sharedGroup` is set) for
   * callers that do not pick an instance, and `<topicBase>/<pattern>` for those that do.
   */
  override bindEvents(mqttClient: MqttClient): void {
    mqttClient.on('message', this.getMessageHandler(mqttClient).bind(this));
    for (const [pattern, handler] of this.messageHandlers) {
      const qos = (handler.extras as { qos?: 0 | 1 | 2 } | undefined)?.qos;
      const options = { qos: qos ?? 1 };
      const plain = this.sharedGroup ? `$share/${this.sharedGroup}/${pattern}` : pattern;
      mqttClient.subscribe([plain, `${this.topicBase}/${pattern}`], options);
    }
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
    const reply = (id: string | undefined, body: object) => this.publishReply(pub, replyTopic, { ...body, id }, packet);
    // A reply address exists when the sender named a response topic (MQTT 5) or gave a
    // request id (Nest's `<topic>/reply` convention); without one, a refusal is a counted drop.
    const refuse = (error: ProtocolError, id: string | undefined) => {
      if (packet.properties?.responseTopic || id !== undefined) return reply(id, { err: error.toJSON(), isDisposed: true });
      this.droppedMessages++;
      this.junkLog.log(`dropped MQTT message on '${escapeControlChars(channel)}': ${escapeControlChars(error.message)}`);
      return undefined;
    };

    if (buffer.length > this.maxPayloadBytes) {
      const error = new ProtocolError('RESOURCE_EXHAUSTED', payloadTooLargeMessage(buffer.length, this.maxPayloadBytes));
      return refuse(error, salvageRequestId(buffer.subarray(0, 4096).toString('utf8')));
    }
    const text = buffer.toString('utf8');
    const envelope = this.parseEnvelope(text);
    if (!envelope) {
      return refuse(ProtocolError.invalidArgument('MQTT payload is not a JSON envelope {pattern, data, id?}'), salvageRequestId(text));
    }
    // NOTE: the topic names the endpoint; an envelope's `pattern` is not read (bridge rules and
    // MQTT 3.1.1 devices send none), see docs/bad-input.md.
    const rawId = envelope.id;
    if (rawId !== undefined && typeof rawId !== 'string' && typeof rawId !== 'number') {
      return refuse(ProtocolError.invalidArgument(badIdMessage()), undefined);
    }
    const requestId = rawId === undefined ? undefined : String(rawId);
    const headers = {
      ...normalizeHeaders(envelope.metadata),
      ...normalizeHeaders(packet.properties?.userProperties),
    };
    const context = new MqttMessageContext(channel, originalPacket ?? {}, headers, requestId);
    // A message on this instance's own topic routes like the plain pattern.
    const pattern = channel.startsWith(`${this.topicBase}/`) ? channel.slice(this.topicBase.length + 1) : channel;
    // An exact pattern by string first (Nest's lookup tries JSON.parse on every pattern), then
    // Nest's, which matches wildcard subscriptions (bridge rules); only exact ones go direct.
    const exact = this.messageHandlers.get(pattern);
    const handler = exact ?? this.getHandlerByPattern(pattern);
    if (!handler) return refuse(ProtocolError.notFound(noEndpointMessage(pattern)), requestId);
    const direct = exact ? this.direct?.find('mqtt', pattern, exact) : undefined;
    if (direct) {
      const message = createProtocolMessage({ protocol: 'mqtt', payload: envelope.data, headers, requestId }, pattern, direct.isEvent);
      const sink = requestId === undefined ? NO_REPLY : nestReplyPackets((packet) => reply(requestId, packet));
      return direct.run(message, sink, () => context);
    }
    if (requestId === undefined) return this.handleEvent(pattern, { pattern, data: envelope.data }, context);
    return handleRequest(
      this,
      context,
      async () => this.transformToObservable(await handler(envelope.data, context)),
      (response) => reply(requestId, response),
    );
  }

  private parseEnvelope(text: string): Envelope | undefined {
    try {
      const value: unknown = JSON.parse(text);
      return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Envelope) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Publishes a reply; one that cannot be serialized becomes an INTERNAL error for its id. */
  private publishReply(pub: MqttClient, topic: string, body: { id?: string }, packet: MqttPacket): void {
    const options: IClientPublishOptions = {};
    const correlationData = packet.properties?.correlationData;
    if (correlationData) options.properties = { correlationData };
    const payload = serializeReply(body, (err) => ({ id: body.id, err, isDisposed: true }));
    pub.publish(topic, payload, options);
  }
}
