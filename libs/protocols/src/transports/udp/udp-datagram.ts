import { createHmac, timingSafeEqual } from 'node:crypto';
import { ProtocolError, type ProtocolErrorBody } from '../../errors/protocol.error';
import { normalizeHeaders } from '../../utils/headers.util';
import { UDP_HMAC_BYTES, UDP_MAX_ID_LENGTH, UDP_MAX_PATTERN_LENGTH, UDP_WIRE_VERSION } from './udp.constants';
import { UDP_DATAGRAM_TOO_LARGE, UDP_INVALID_FIELD, UDP_INVALID_OPTION, UDP_NOT_JSON, UDP_UNSUPPORTED_VERSION } from './udp.messages';
import type { UdpHmacKey } from './udp.options';

/*
 * Wire format, version 1. One UTF-8 JSON object per datagram:
 *
 *   request  {"v":1,"id":"<=128 chars","pattern":"echo","data":<any>,"headers":{"x-…":"…"}}
 *   event    {"v":1,"pattern":"audit","data":<any>,"headers":{…}}          (no id: no reply)
 *   reply    {"v":1,"id":"…","response":<any>}                              (null when none)
 *            {"v":1,"id":"…"|null,"err":{"code":"NOT_FOUND","status":5,"message":"…"}}
 *
 * With an HMAC key the datagram is the 32-byte HMAC-SHA256 of the JSON body, then the body.
 */

/** A request (with `id`) or an event (without) as sent on the wire. */
export interface UdpMessageDatagram {
  id?: string;
  pattern: string;
  data?: unknown;
  headers?: Record<string, string>;
}

/** A reply as sent on the wire; `id` is null when the request's id could not be read. */
export interface UdpReplyDatagram {
  id: string | null;
  response?: unknown;
  err?: ProtocolErrorBody;
}

/** What one received datagram turned out to be. */
export type DecodedUdpDatagram =
  | { kind: 'request'; id: string; pattern: string; data: unknown; headers: Record<string, string> }
  | { kind: 'event'; pattern: string; data: unknown; headers: Record<string, string> }
  | { kind: 'reply'; id: string | null; response?: unknown; err?: Record<string, unknown> }
  /**
   * Readable enough to answer: `error` goes back to the sender, under `id` if it was read.
   * `isGarbage`: not even a JSON object (empty, binary, not JSON): never answered.
   */
  | { kind: 'invalid'; error: ProtocolError; id?: string; isGarbage?: boolean }
  /** Unsigned or wrongly signed: never answered. */
  | { kind: 'unauthenticated' };

export interface UdpCodecOptions {
  hmacKey?: Buffer;
  /** Larger datagrams decode as `invalid` with RESOURCE_EXHAUSTED. */
  maxBytes?: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Validates a configured key and turns it into bytes. */
export function toHmacKey(key: UdpHmacKey | undefined): Buffer | undefined {
  if (key === undefined) return undefined;
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  if (!Buffer.isBuffer(bytes) || bytes.length === 0) throw new TypeError(UDP_INVALID_OPTION('hmacKey', 'a non-empty string or Buffer'));
  return bytes;
}

function sign(body: Buffer, key: Buffer): Buffer {
  return createHmac('sha256', key).update(body).digest();
}

/**
 * Encodes a datagram, signed when a key is given. Throws a TypeError when a value is not
 * JSON-serializable (BigInt, cycles).
 */
export function encodeDatagram(datagram: UdpMessageDatagram | UdpReplyDatagram, hmacKey?: Buffer): Buffer {
  const body = Buffer.from(JSON.stringify({ v: UDP_WIRE_VERSION, ...datagram }), 'utf8');
  return hmacKey ? Buffer.concat([sign(body, hmacKey), body]) : body;
}

/** Best effort: the id of a datagram that failed to decode, so the error reply names it. */
export function salvageDatagramId(text: string): string | undefined {
  const match = /"id"\s*:\s*("((?:[^"\\]|\\.){1,128})"|(\d{1,20}))/.exec(text.slice(0, 4096));
  return match ? (match[2] ?? match[3]) : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readId(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value === 'string' && value.length > 0 && value.length <= UDP_MAX_ID_LENGTH) return value;
  return undefined;
}

function invalid(message: string, id?: string): DecodedUdpDatagram {
  return { kind: 'invalid', error: ProtocolError.invalidArgument(message), id };
}

function garbage(id?: string): DecodedUdpDatagram {
  return { kind: 'invalid', error: ProtocolError.invalidArgument(UDP_NOT_JSON()), id, isGarbage: true };
}

function decodeObject(value: Record<string, unknown>): DecodedUdpDatagram {
  const id = readId(value.id);
  if (value.v !== UDP_WIRE_VERSION) {
    if (typeof value.v !== 'number' || !Number.isInteger(value.v))
      return invalid(UDP_INVALID_FIELD('v', `the wire version (${UDP_WIRE_VERSION})`), id);
    const error = new ProtocolError('UNIMPLEMENTED', UDP_UNSUPPORTED_VERSION(value.v, UDP_WIRE_VERSION), { supported: [UDP_WIRE_VERSION] });
    return { kind: 'invalid', error, id };
  }
  if (value.id !== undefined && value.id !== null && id === undefined) {
    return invalid(UDP_INVALID_FIELD('id', `a string of 1-${UDP_MAX_ID_LENGTH} characters or an integer`));
  }
  // NOTE: a reply-shaped datagram is never answered, so two peers cannot bounce errors forever.
  if (value.pattern === undefined && ('response' in value || 'err' in value)) {
    if (value.err !== undefined && !isRecord(value.err)) return invalid(UDP_INVALID_FIELD('err', 'an object'), id);
    return { kind: 'reply', id: id ?? null, response: value.response, err: value.err };
  }
  const pattern = value.pattern;
  if (typeof pattern !== 'string' || pattern.length === 0 || pattern.length > UDP_MAX_PATTERN_LENGTH) {
    return invalid(UDP_INVALID_FIELD('pattern', `a string of 1-${UDP_MAX_PATTERN_LENGTH} characters`), id);
  }
  if (value.headers !== undefined && !isRecord(value.headers)) return invalid(UDP_INVALID_FIELD('headers', 'an object'), id);
  const headers = normalizeHeaders(value.headers);
  return id === undefined
    ? { kind: 'event', pattern, data: value.data, headers }
    : { kind: 'request', id, pattern, data: value.data, headers };
}

/**
 * Decodes one received datagram. Never throws: whatever arrives is classified, so that the
 * caller answers, drops or dispatches it.
 */
export function decodeDatagram(datagram: Buffer, options: UdpCodecOptions = {}): DecodedUdpDatagram {
  let body = datagram;
  if (options.hmacKey) {
    if (datagram.length < UDP_HMAC_BYTES) return { kind: 'unauthenticated' };
    body = datagram.subarray(UDP_HMAC_BYTES);
    if (!timingSafeEqual(datagram.subarray(0, UDP_HMAC_BYTES), sign(body, options.hmacKey))) return { kind: 'unauthenticated' };
  }
  if (options.maxBytes !== undefined && datagram.length > options.maxBytes) {
    const error = new ProtocolError('RESOURCE_EXHAUSTED', UDP_DATAGRAM_TOO_LARGE(datagram.length, options.maxBytes));
    return { kind: 'invalid', error, id: salvageDatagramId(body.toString('utf8', 0, 4096)) };
  }
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return garbage();
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return garbage(salvageDatagramId(text));
  }
  return isRecord(value) ? decodeObject(value) : garbage();
}
