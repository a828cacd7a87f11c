import { UdpReplyCache } from './udp-reply-cache';

describe('UdpReplyCache', () => {
  let now: number;
  const clock = () => now;
  const reply = (text: string) => Buffer.from(text);

  beforeEach(() => {
    now = 1_000;
  });

  describe('claim', () => {
    it('should mark a request in flight on first sight, then report it in flight', () => {
      const cache = new UdpReplyCache({ ttlMs: 100, maxEntries: 10 }, clock);
      expect(cache.claim('a')).toEqual({ state: 'new' });
      expect(cache.claim('a')).toEqual({ state: 'in-flight' });
      expect(cache.claim('b')).toEqual({ state: 'new' });
    });

    it('should serve the recorded reply until it expires, then treat the id as new', () => {
      const cache = new UdpReplyCache({ ttlMs: 100, maxEntries: 10 }, clock);
      cache.claim('a');
      cache.complete('a', reply('r'));
      now += 99;
      expect(cache.claim('a')).toEqual({ state: 'done', reply: reply('r') });
      now += 1;
      expect(cache.claim('a')).toEqual({ state: 'new' });
    });
  });

  describe('abandon', () => {
    it('should forget a running request so a retransmission runs it', () => {
      const cache = new UdpReplyCache({ ttlMs: 100, maxEntries: 10 }, clock);
      cache.claim('a');
      cache.abandon('a');
      expect(cache.claim('a')).toEqual({ state: 'new' });
    });

    it('should keep an answered request', () => {
      const cache = new UdpReplyCache({ ttlMs: 100, maxEntries: 10 }, clock);
      cache.claim('a');
      cache.complete('a', reply('r'));
      cache.abandon('a');
      expect(cache.claim('a').state).toBe('done');
    });
  });

  describe('bounds', () => {
    it('should forget the oldest entry beyond maxEntries', () => {
      const cache = new UdpReplyCache({ ttlMs: 100, maxEntries: 2 }, clock);
      cache.claim('a');
      cache.complete('a', reply('a'));
      cache.claim('b');
      cache.claim('c');
      expect(cache.size).toBe(2);
      expect(cache.claim('b')).toEqual({ state: 'in-flight' });
      expect(cache.claim('a')).toEqual({ state: 'new' });
    });

    it('should order answered entries by completion, not by arrival', () => {
      const cache = new UdpReplyCache({ ttlMs: 100, maxEntries: 2 }, clock);
      cache.claim('a');
      cache.claim('b');
      cache.complete('a', reply('a'));
      cache.claim('c');
      // 'b' (in flight since before 'a' completed) is now the oldest and goes first.
      expect(cache.claim('a').state).toBe('done');
    });

    it('should refuse nonsensical settings', () => {
      expect(() => new UdpReplyCache({ ttlMs: 0 })).toThrow(RangeError);
      expect(() => new UdpReplyCache({ maxEntries: 0 })).toThrow(RangeError);
      expect(() => new UdpReplyCache({ maxEntries: 1.5 })).toThrow(RangeError);
    });
  });

  describe('sweep', () => {
    it('should free expired replies and keep live and running ones', () => {
      const cache = new UdpReplyCache({ ttlMs: 100, maxEntries: 10 }, clock);
      cache.claim('running');
      cache.claim('old');
      cache.complete('old', reply('o'));
      now += 50;
      cache.claim('young');
      cache.complete('young', reply('y'));
      now += 60;
      expect(cache.sweep()).toBe(1);
      expect(cache.size).toBe(2);
      expect(cache.claim('running')).toEqual({ state: 'in-flight' });
      expect(cache.claim('young').state).toBe('done');
    });
  });
});
