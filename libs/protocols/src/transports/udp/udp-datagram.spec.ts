import { createHmac } from 'node:crypto';
import { ProtocolError } from '../../errors/protocol.error';
import { decodeDatagram, encodeDatagram, salvageDatagramId, toHmacKey } from './udp-datagram';
import { UDP_HMAC_BYTES } from './udp.constants';

const key = Buffer.from('0123456789abcdef0123456789abcdef');

function raw(value: unknown): Buffer {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
}

describe('udp-datagram', () => {
  describe('encodeDatagram', () => {
    it('should write the version first and the fields as JSON', () => {
      const datagram = encodeDatagram({ id: 'a1', pattern: 'echo', data: { n: 1 }, headers: { 'x-correlation-id': 'c' } });
      expect(datagram.toString()).toBe('{"v":1,"id":"a1","pattern":"echo","data":{"n":1},"headers":{"x-correlation-id":"c"}}');
    });

    it('should omit the id of an event and write replies with response or err', () => {
      expect(encodeDatagram({ pattern: 'audit', data: 1 }).toString()).toBe('{"v":1,"pattern":"audit","data":1}');
      expect(encodeDatagram({ id: 'a1', response: null }).toString()).toBe('{"v":1,"id":"a1","response":null}');
      expect(JSON.parse(encodeDatagram({ id: null, err: ProtocolError.notFound('x').toJSON() }).toString())).toEqual({
        v: 1,
        id: null,
        err: { code: 'NOT_FOUND', status: 5, message: 'x' },
      });
    });

    it('should prefix the HMAC-SHA256 of the body when a key is given', () => {
      const datagram = encodeDatagram({ id: 'a1', pattern: 'echo' }, key);
      const body = datagram.subarray(UDP_HMAC_BYTES);
      expect(datagram.subarray(0, UDP_HMAC_BYTES)).toEqual(createHmac('sha256', key).update(body).digest());
      expect(JSON.parse(body.toString())).toEqual({ v: 1, id: 'a1', pattern: 'echo' });
    });

    it('should throw on values JSON cannot carry', () => {
      expect(() => encodeDatagram({ pattern: 'x', data: { n: BigInt(1) } })).toThrow(TypeError);
    });
  });

  describe('decodeDatagram', () => {
    it('should round-trip requests, events and replies', () => {
      expect(decodeDatagram(encodeDatagram({ id: 'a1', pattern: 'echo', data: [1], headers: { 'X-Up': 'v' } }))).toEqual({
        kind: 'request',
        id: 'a1',
        pattern: 'echo',
        data: [1],
        headers: { 'x-up': 'v' },
      });
      expect(decodeDatagram(encodeDatagram({ pattern: 'audit', data: 'e' }))).toMatchObject({ kind: 'event', pattern: 'audit', data: 'e' });
      expect(decodeDatagram(encodeDatagram({ id: 'a1', response: { ok: true } }))).toEqual({
        kind: 'reply',
        id: 'a1',
        response: { ok: true },
        err: undefined,
      });
      expect(decodeDatagram(encodeDatagram({ id: null, err: ProtocolError.internal().toJSON() }))).toMatchObject({
        kind: 'reply',
        id: null,
        err: { code: 'INTERNAL' },
      });
    });

    it('should read integer ids as strings', () => {
      expect(decodeDatagram(raw({ v: 1, id: 42, pattern: 'echo' }))).toMatchObject({ kind: 'request', id: '42' });
    });

    it.each([
      ['not JSON', raw('hello'), undefined],
      ['not UTF-8', Buffer.from([0xff, 0xfe, 0x7b]), undefined],
      ['a JSON array', raw([1, 2]), undefined],
      ['without pattern', raw({ v: 1, id: 'p1', data: 1 }), 'p1'],
      ['with an empty pattern', raw({ v: 1, id: 'p2', pattern: '' }), 'p2'],
      ['with a pattern over 200 characters', raw({ v: 1, id: 'p3', pattern: 'x'.repeat(201) }), 'p3'],
      ['with headers that are not an object', raw({ v: 1, id: 'p4', pattern: 'echo', headers: 'x' }), 'p4'],
      ['with an id over 128 characters', raw({ v: 1, id: 'i'.repeat(129), pattern: 'echo' }), undefined],
      ['with an object id', raw({ v: 1, id: {}, pattern: 'echo' }), undefined],
      ['without a version', raw({ id: 'p5', pattern: 'echo' }), 'p5'],
      ['truncated JSON', raw('{"v":1,"id":"p6","pattern":"ec'), 'p6'],
    ])('should classify a datagram %s as INVALID_ARGUMENT', (_name, datagram, id) => {
      const decoded = decodeDatagram(datagram);
      expect(decoded).toMatchObject({ kind: 'invalid', id });
      expect(decoded.kind === 'invalid' && decoded.error.code).toBe('INVALID_ARGUMENT');
    });

    it('should answer another wire version with UNIMPLEMENTED naming the supported one', () => {
      const decoded = decodeDatagram(raw({ v: 2, id: 'v2', pattern: 'echo' }));
      expect(decoded).toMatchObject({ kind: 'invalid', id: 'v2' });
      expect(decoded.kind === 'invalid' && decoded.error).toMatchObject({ code: 'UNIMPLEMENTED', details: { supported: [1] } });
    });

    it('should classify a datagram over maxBytes as RESOURCE_EXHAUSTED, keeping its id', () => {
      const datagram = encodeDatagram({ id: 'big', pattern: 'echo', data: 'x'.repeat(2000) });
      const decoded = decodeDatagram(datagram, { maxBytes: 1200 });
      expect(decoded).toMatchObject({ kind: 'invalid', id: 'big' });
      expect(decoded.kind === 'invalid' && decoded.error.code).toBe('RESOURCE_EXHAUSTED');
      expect(decodeDatagram(datagram, { maxBytes: datagram.length }).kind).toBe('request');
    });

    it('should accept only datagrams signed with the key', () => {
      const signed = encodeDatagram({ id: 'a1', pattern: 'echo' }, key);
      expect(decodeDatagram(signed, { hmacKey: key }).kind).toBe('request');
      expect(decodeDatagram(encodeDatagram({ id: 'a1', pattern: 'echo' }), { hmacKey: key })).toEqual({ kind: 'unauthenticated' });
      expect(decodeDatagram(encodeDatagram({ id: 'a1', pattern: 'echo' }, Buffer.from('other')), { hmacKey: key })).toEqual({
        kind: 'unauthenticated',
      });
      expect(decodeDatagram(Buffer.alloc(5), { hmacKey: key })).toEqual({ kind: 'unauthenticated' });
      const tampered = Buffer.from(signed);
      tampered[tampered.length - 3] ^= 1;
      expect(decodeDatagram(tampered, { hmacKey: key })).toEqual({ kind: 'unauthenticated' });
    });

    it('should check the signature before the size, so oversized forgeries get no answer', () => {
      const forged = encodeDatagram({ id: 'x', pattern: 'echo', data: 'x'.repeat(2000) });
      expect(decodeDatagram(forged, { hmacKey: key, maxBytes: 1200 })).toEqual({ kind: 'unauthenticated' });
    });
  });

  describe('salvageDatagramId', () => {
    it('should find a string or numeric id near the start', () => {
      expect(salvageDatagramId('{"v":1,"id":"abc","pattern":')).toBe('abc');
      expect(salvageDatagramId('{"id": 17, ')).toBe('17');
      expect(salvageDatagramId('garbage')).toBeUndefined();
    });
  });

  describe('toHmacKey', () => {
    it('should take strings and buffers and refuse empty keys', () => {
      expect(toHmacKey('k')).toEqual(Buffer.from('k'));
      expect(toHmacKey(key)).toBe(key);
      expect(toHmacKey(undefined)).toBeUndefined();
      expect(() => toHmacKey('')).toThrow(TypeError);
    });
  });
});
