import { InvalidRegistryUrlError } from '../errors/invalid-registry-url.error';

/** A backend URL split into its scheme and the part after `://`, percent-decoded. */
export interface BackendUrl {
  scheme: string;
  target: string;
}

const URL_PATTERN = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s;

/**
 * Splits `<scheme>://<target>`. The scheme is lower-cased; the target is kept verbatim
 * apart from percent-decoding (so `file://relative/dir` keeps its relative path, which
 * WHATWG URL parsing would turn into a host name).
 *
 * @throws InvalidRegistryUrlError when `url` is not a string of that shape, or its scheme is
 * not one of `validSchemes`.
 */
export function parseBackendUrl(url: unknown, validSchemes: readonly string[]): BackendUrl {
  const match = typeof url === 'string' ? URL_PATTERN.exec(url.trim()) : null;
  if (!match) throw new InvalidRegistryUrlError(url, validSchemes, 'expected <scheme>://<target>');
  const scheme = match[1].toLowerCase();
  if (!validSchemes.includes(scheme)) {
    throw new InvalidRegistryUrlError(url, validSchemes, `unknown scheme "${scheme}"`);
  }
  try {
    return { scheme, target: decodeURIComponent(match[2]) };
  } catch {
    throw new InvalidRegistryUrlError(url, validSchemes, 'malformed percent-encoding');
  }
}
