/**
 * Protobuf wire codec of the generated proto's one message, `JsonMessage { string json = 1; }`,
 * so `GrpcClient` needs neither a .proto file nor a proto loader.
 *
 * Encoding: field 1, wire type 2 (tag byte `0x0a`), the UTF-8 length as a varint, the
 * UTF-8 bytes; proto3 leaves an empty string out, so `''` is an empty buffer. Decoding
 * skips unknown fields (forward compatible) and keeps the last `json` field, as protobuf
 * parsers do.
 */

/** Tag of field 1 with wire type 2 (length-delimited). */
const JSON_FIELD_TAG = 0x0a;

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

/** Varints longer than this (bytes) are malformed: 10 bytes hold a 64-bit value. */
const MAX_VARINT_BYTES = 10;

/** Encodes `JsonMessage { json }`: one buffer per message (it is on every gRPC call). */
export function encodeJsonMessage(json: string): Buffer {
  if (json === '') return Buffer.alloc(0);
  const size = Buffer.byteLength(json, 'utf8');
  let varintBytes = 1;
  for (let rest = size; rest >= 0x80; rest = Math.floor(rest / 0x80)) varintBytes++;
  const message = Buffer.allocUnsafe(1 + varintBytes + size);
  message[0] = JSON_FIELD_TAG;
  let offset = 1;
  let rest = size;
  while (rest >= 0x80) {
    message[offset++] = (rest % 0x80) | 0x80;
    rest = Math.floor(rest / 0x80);
  }
  message[offset++] = rest;
  message.write(json, offset, 'utf8');
  return message;
}

/** Decodes `JsonMessage` bytes to its `json` field (`''` when absent). Throws on malformed bytes. */
export function decodeJsonMessage(bytes: Uint8Array): string {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Fast path, what GrpcServer sends: the one `json` field, its length in a 1- or 2-byte varint.
  const size = buffer.length;
  if (size >= 2 && buffer[0] === JSON_FIELD_TAG) {
    const low = buffer[1];
    if (low < 0x80) {
      if (2 + low === size) return buffer.toString('utf8', 2, size);
    } else if (size >= 3 && buffer[2] < 0x80 && 3 + (low & 0x7f) + buffer[2] * 0x80 === size) {
      return buffer.toString('utf8', 3, size);
    }
  }
  let json = '';
  let offset = 0;
  while (offset < buffer.length) {
    const tag = readVarint(buffer, offset);
    offset = tag.next;
    const field = Math.floor(tag.value / 8);
    const wireType = tag.value % 8;
    if (field === 0) throw new RangeError('JsonMessage: field number 0 is invalid');
    switch (wireType) {
      case WIRE_VARINT:
        offset = readVarint(buffer, offset).next;
        break;
      case WIRE_FIXED64:
        offset = skip(buffer, offset, 8);
        break;
      case WIRE_FIXED32:
        offset = skip(buffer, offset, 4);
        break;
      case WIRE_LENGTH_DELIMITED: {
        const length = readVarint(buffer, offset);
        const end = skip(buffer, length.next, length.value);
        if (field === 1) json = buffer.toString('utf8', length.next, end);
        offset = end;
        break;
      }
      default:
        throw new RangeError(`JsonMessage: unsupported wire type ${wireType}`);
    }
  }
  return json;
}

function readVarint(buffer: Buffer, offset: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (let index = offset; index < buffer.length && index - offset < MAX_VARINT_BYTES; index++) {
    const byte = buffer[index];
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      if (!Number.isSafeInteger(value)) throw new RangeError('JsonMessage: varint out of range');
      return { value, next: index + 1 };
    }
    scale *= 0x80;
  }
  throw new RangeError('JsonMessage: truncated or overlong varint');
}

function skip(buffer: Buffer, offset: number, length: number): number {
  const end = offset + length;
  if (end > buffer.length) throw new RangeError('JsonMessage: truncated field');
  return end;
}
