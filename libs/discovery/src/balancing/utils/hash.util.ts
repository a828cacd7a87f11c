/**
 * FNV-1a 32-bit over the UTF-16 code units of `text`, finished with murmur3's fmix32 so that
 * near-identical keys ("user-1", "user-2") land far apart. Fast, non-cryptographic, and
 * allocation-free. Returns an unsigned 32-bit integer.
 *
 * @internal
 */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/** murmur3 fmix32 finalizer: full avalanche of a 32-bit value. Returns unsigned. @internal */
export function mix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
