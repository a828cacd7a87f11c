import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import { decodeJsonMessage, encodeJsonMessage } from './grpc-json-message.codec';
import { buildJsonProto } from './grpc-json-proto.util';

/** The generated proto's own serializers (protobufjs), as the reference. */
function referenceCodec() {
  const dir = mkdtempSync(join(tmpdir(), 'orion-codec-'));
  try {
    const file = join(dir, 'orion.proto');
    writeFileSync(
      file,
      buildJsonProto('orion', [{ pattern: 'echo', protocols: ['grpc'], grpc: { service: 'Echo', method: 'Echo' } } as never]),
    );
    const method = protoLoader.loadSync(file, { keepCase: true, defaults: true })['orion.Echo'] as Record<
      string,
      protoLoader.MethodDefinition<object, object>
    >;
    const echo = method.Echo;
    return {
      encode: (json: string) => echo.requestSerialize({ json }),
      decode: (bytes: Buffer) => (echo.responseDeserialize(bytes) as { json: string }).json,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function labelled(jsons: string[]): Array<[string, string]> {
  return jsons.map((json) => [json.length > 40 ? `${json.slice(0, 10)}… (${json.length})` : JSON.stringify(json), json]);
}

describe('JsonMessage codec', () => {
  const reference = referenceCodec();
  const samples = ['', '{}', 'null', '{"text":"hi"}', '"ünïcødé ✓ 🚀"', 'x'.repeat(127), 'x'.repeat(128), 'y'.repeat(70_000)];

  describe('encodeJsonMessage', () => {
    it('should encode an empty string as an empty buffer', () => {
      expect(encodeJsonMessage('')).toEqual(Buffer.alloc(0));
    });

    it('should write tag 0x0a, the varint byte length and the UTF-8 bytes', () => {
      expect(encodeJsonMessage('{}')).toEqual(Buffer.from([0x0a, 0x02, 0x7b, 0x7d]));
      const long = encodeJsonMessage('x'.repeat(300));
      expect([...long.subarray(0, 3)]).toEqual([0x0a, 0xac, 0x02]);
      expect(long.length).toBe(303);
    });

    // NOTE: protobufjs writes an explicitly set empty string as `0a 00`; both forms decode to ''.
    it.each(labelled(samples.filter((json) => json !== '')))('should produce the same bytes as protobufjs for %s', (_label, json) => {
      expect(encodeJsonMessage(json)).toEqual(reference.encode(json));
    });
  });

  describe('decodeJsonMessage', () => {
    it('should read an empty buffer and an explicit empty field as an empty string', () => {
      expect(decodeJsonMessage(Buffer.alloc(0))).toBe('');
      expect(decodeJsonMessage(Buffer.from([0x0a, 0x00]))).toBe('');
    });

    it.each(labelled(samples))('should read what protobufjs wrote for %s', (_label, json) => {
      expect(decodeJsonMessage(reference.encode(json))).toBe(json);
    });

    it('should skip unknown fields of every wire type and keep the last json field', () => {
      const bytes = Buffer.concat([
        Buffer.from([0x10, 0x96, 0x01]), // field 2, varint 150
        Buffer.from([0x0a, 0x01, 0x31]), // json = "1"
        Buffer.from([0x19, 1, 2, 3, 4, 5, 6, 7, 8]), // field 3, fixed64
        Buffer.from([0x25, 1, 2, 3, 4]), // field 4, fixed32
        Buffer.from([0x2a, 0x02, 0x61, 0x62]), // field 5, bytes
        Buffer.from([0x0a, 0x01, 0x32]), // json = "2"
      ]);
      expect(decodeJsonMessage(bytes)).toBe('2');
    });

    it('should read a json field followed by another field (past the one-field fast path)', () => {
      const bytes = Buffer.concat([encodeJsonMessage('{"a":1}'), Buffer.from([0x10, 0x01])]);
      expect(decodeJsonMessage(bytes)).toBe('{"a":1}');
      const long = 'z'.repeat(200);
      expect(decodeJsonMessage(Buffer.concat([encodeJsonMessage(long), Buffer.from([0x10, 0x01])]))).toBe(long);
    });

    it('should read a Uint8Array that is not a Buffer', () => {
      const bytes = new Uint8Array(encodeJsonMessage('{"b":2}'));
      expect(decodeJsonMessage(bytes)).toBe('{"b":2}');
    });

    it('should read a json field split off a larger buffer', () => {
      const whole = Buffer.concat([Buffer.from('junk'), encodeJsonMessage('{"a":1}')]);
      expect(decodeJsonMessage(whole.subarray(4))).toBe('{"a":1}');
    });

    it.each([
      ['a truncated length', Buffer.from([0x0a, 0x05, 0x61])],
      ['a truncated varint', Buffer.from([0x0a, 0x80])],
      ['field number 0', Buffer.from([0x02, 0x00])],
      ['a group wire type', Buffer.from([0x0b])],
      ['an overlong varint', Buffer.from([0x08, ...new Array(11).fill(0xff), 0x01])],
    ])('should throw on %s', (_label, bytes) => {
      expect(() => decodeJsonMessage(bytes)).toThrow(RangeError);
    });
  });
});
