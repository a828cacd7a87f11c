import { hashString, mix32 } from './hash.util';

describe('hashString', () => {
  it.each([
    // NOTE: FNV-1a 32 reference values ("" → 0x811c9dc5, "a" → 0xe40c292c) before the finalizer.
    { text: '', fnv: 0x811c9dc5 },
    { text: 'a', fnv: 0xe40c292c },
    { text: 'foobar', fnv: 0xbf9cf968 },
  ])('should be FNV-1a of "$text" finished with fmix32', ({ text, fnv }) => {
    expect(hashString(text)).toBe(mix32(fnv));
  });

  it('should return unsigned 32-bit integers that differ for near-identical keys', () => {
    const hashes = Array.from({ length: 1_000 }, (_, i) => hashString(`user-${i}`));
    expect(new Set(hashes).size).toBe(1_000);
    for (const hash of hashes) expect(hash >>> 0).toBe(hash);
    // NOTE: adjacent keys must not land next to each other on the ring.
    expect(Math.abs(hashes[1] - hashes[0])).toBeGreaterThan(1 << 16);
  });
});
