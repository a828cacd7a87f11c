import { isIPv6 } from 'node:net';
import { UDP_HMAC_KEY_ENV, UDP_DEFAULT_MAX_DATAGRAM_BYTES, UDP_MAX_DATAGRAM_BYTES, UDP_MIN_DATAGRAM_BYTES } from './udp.constants';
import { UDP_INVALID_OPTION } from './udp.messages';
import type { UdpHmacKey, UdpRetransmitOptions, UdpSocketType } from './udp.options';
import { MAX_CALL_TIMEOUT_MS } from '../../utils/deadline.util';

/** `udp6` for an IPv6 literal host, else `udp4`, unless the type is given. */
export function resolveSocketType(host: string, type?: UdpSocketType): UdpSocketType {
  if (type !== undefined && type !== 'udp4' && type !== 'udp6') throw new TypeError(UDP_INVALID_OPTION('type', "'udp4' or 'udp6'"));
  return type ?? (isIPv6(host.replace(/%.*$/, '')) ? 'udp6' : 'udp4');
}

/** The datagram limit, checked against the floor and the 65,507-byte ceiling. */
export function resolveMaxDatagramBytes(value: number | undefined): number {
  const bytes = value ?? UDP_DEFAULT_MAX_DATAGRAM_BYTES;
  if (!Number.isInteger(bytes) || bytes < UDP_MIN_DATAGRAM_BYTES || bytes > UDP_MAX_DATAGRAM_BYTES) {
    throw new RangeError(UDP_INVALID_OPTION('maxDatagramBytes', `an integer from ${UDP_MIN_DATAGRAM_BYTES} to ${UDP_MAX_DATAGRAM_BYTES}`));
  }
  return bytes;
}

/** Validated retransmission settings, or undefined for none. */
export function resolveRetransmit(value: UdpRetransmitOptions | false | undefined): UdpRetransmitOptions | undefined {
  if (!value) return undefined;
  if (!(value.intervalMs > 0) || !(value.intervalMs <= MAX_CALL_TIMEOUT_MS))
    throw new RangeError(UDP_INVALID_OPTION('retransmit.intervalMs', 'a positive number up to 24 h'));
  if (!Number.isInteger(value.maxAttempts) || value.maxAttempts < 1) {
    throw new RangeError(UDP_INVALID_OPTION('retransmit.maxAttempts', 'a positive integer'));
  }
  return value;
}

/** A positive timeout (ms), cut to 24 h (a longer timer would fire at once). */
export function resolveTimeout(value: number | undefined, fallback: number): number {
  const timeoutMs = value ?? fallback;
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) throw new RangeError(UDP_INVALID_OPTION('timeoutMs', 'a positive, finite number'));
  return Math.min(timeoutMs, MAX_CALL_TIMEOUT_MS);
}

/**
 * The HMAC key to use: the given one, else `ORION_UDP_HMAC_KEY` from the environment (so a
 * whole mesh turns signing on with one variable), else none.
 */
export function resolveHmacKeySource(value: UdpHmacKey | undefined, env: NodeJS.ProcessEnv = process.env): UdpHmacKey | undefined {
  if (value !== undefined) return value;
  const fromEnv = env[UDP_HMAC_KEY_ENV];
  return fromEnv ? fromEnv : undefined;
}
