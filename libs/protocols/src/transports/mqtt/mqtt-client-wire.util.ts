import type { ReadPacket } from '@nestjs/microservices';
import type { IClientPublishOptions, IPublishPacket } from 'mqtt';
import { ProtocolError } from '../../errors/protocol.error';
import { timeoutHeader } from '../../utils/headers.util';
import { NOT_SENT_DETAILS, toClientError } from '../client-call.util';
import { CLIENT_CONNECT_FAILED, CLIENT_CONNECTION_LOST, CLIENT_NOT_SERIALIZABLE } from '../client.messages';

/** CONNACK codes (3.1.1 return codes, MQTT 5 reason codes) about credentials and rights. */
const BAD_CREDENTIALS = new Set([4, 0x86]);
const NOT_AUTHORIZED = new Set([5, 0x87]);

/** One message ready to publish. */
export interface MqttOutgoing {
  payload: string;
  options: IClientPublishOptions;
}

/** What a reply may carry: `{ id, response?, err?, isDisposed? }` (Nest's RPC reply). */
export interface MqttReply {
  id: string;
  response?: unknown;
  err?: unknown;
  isDisposed?: unknown;
}

/** The topic of a pattern: `<topicBase>/<pattern>`, or the pattern. */
export function mqttTopic(topicBase: string | undefined, pattern: string): string {
  if (pattern === '' || /[#+\0]/.test(pattern)) throw ProtocolError.invalidArgument(`'${pattern}' is not a valid MQTT topic`);
  return topicBase ? `${topicBase}/${pattern}` : pattern;
}

/**
 * Envelope `{ id?, pattern, data, metadata? }` and publish options (QoS 1) of a request
 * (with `id`) or an event, the remaining budget stamped now. MQTT 5 carries the headers as
 * user properties, the budget as message expiry and, for a request, the reply topic and
 * the id as correlation data; MQTT 3.1.1 carries the headers in `metadata`.
 */
export function encodeMqttMessage(
  packet: ReadPacket,
  call: { id?: string; deadline: number; protocolVersion: 4 | 5; replyTopic?: string },
): MqttOutgoing {
  const pattern = String(packet.pattern);
  const headers: Record<string, string> = { ...packet.metadata, ...timeoutHeader(call.deadline) };
  const isV5 = call.protocolVersion === 5;
  let payload: string | undefined;
  try {
    payload = JSON.stringify({ id: call.id, pattern, data: packet.data, metadata: isV5 ? undefined : headers });
  } catch {
    payload = undefined;
  }
  if (payload === undefined) throw ProtocolError.invalidArgument(CLIENT_NOT_SERIALIZABLE(pattern));
  if (!isV5) return { payload, options: { qos: 1 } };
  const messageExpiryInterval = Math.max(1, Math.ceil((call.deadline - Date.now()) / 1000));
  const properties: IClientPublishOptions['properties'] = { userProperties: headers, messageExpiryInterval };
  if (call.id !== undefined) Object.assign(properties, { responseTopic: call.replyTopic, correlationData: Buffer.from(call.id) });
  return { payload, options: { qos: 1, properties } };
}

/** A reply with the id it answers (correlation data first, else the body's `id`), or undefined. */
export function parseMqttReply(payload: Buffer, packet: IPublishPacket): MqttReply | undefined {
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const reply = body as Omit<MqttReply, 'id'> & { id?: unknown };
  const bodyId = typeof reply.id === 'string' || typeof reply.id === 'number' ? String(reply.id) : undefined;
  const id = packet.properties?.correlationData?.toString('utf8') ?? bodyId;
  return id === undefined ? undefined : { ...reply, id };
}

/** Why a connection could not be made; nothing was sent on it. */
export function mqttConnectError(client: string, url: string, error: unknown): ProtocolError {
  if (error instanceof ProtocolError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = CLIENT_CONNECT_FAILED(client, url, error instanceof Error ? error.message : String(error));
  // NOTE: a CONNACK refusal is about who connects, whatever its reason code: Mosquitto answers a
  // wrong password with "not authorized" (5 / 0x87), others with "bad user name or password".
  if (typeof code === 'number' && (BAD_CREDENTIALS.has(code) || NOT_AUTHORIZED.has(code))) {
    return new ProtocolError('UNAUTHENTICATED', message);
  }
  const mapped = toClientError(error);
  if (mapped.code === 'UNAVAILABLE' && mapped.details !== undefined) return mapped;
  return ProtocolError.unavailable(message, NOT_SENT_DETAILS);
}

/** Why a QoS 1 publish failed. */
export function mqttPublishError(client: string, error: Error): ProtocolError {
  const code = (error as { code?: unknown }).code;
  // NOTE: mqtt.js fails unacknowledged publishes with "Connection closed" when the connection drops: they may have arrived.
  if (/connection closed/i.test(error.message)) return ProtocolError.unavailable(CLIENT_CONNECTION_LOST(client));
  if (typeof code === 'number' && NOT_AUTHORIZED.has(code)) {
    return new ProtocolError('PERMISSION_DENIED', `the broker refused the message: ${error.message}`);
  }
  return ProtocolError.unavailable(`the broker did not take the message: ${error.message}`, NOT_SENT_DETAILS);
}
