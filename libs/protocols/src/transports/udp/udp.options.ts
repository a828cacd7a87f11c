import type { ClientCallOptions } from '../../interfaces/client-options.interface';
import type { ListenerOptions } from '../../interfaces/listener-options.interface';

/** `udp4` or `udp6`. Default: `udp6` when `host` is an IPv6 literal (`::1`, `::`), else `udp4`. */
export type UdpSocketType = 'udp4' | 'udp6';

/**
 * A shared secret for HMAC-SHA256 datagram signatures. Both sides need the same key; use
 * at least 32 random bytes.
 *
 * @publicApi
 */
export type UdpHmacKey = string | Buffer;

/**
 * Duplicate suppression on the server: a request id seen again from the same sender is
 * answered from this cache instead of running the handler twice.
 *
 * @publicApi
 */
export interface UdpReplyCacheOptions {
  /** How long a reply is kept after it was sent (ms). Default 30,000. */
  ttlMs?: number;
  /** Most requests remembered; the oldest is forgotten first. Default 10,000. */
  maxEntries?: number;
}

/**
 * The `udp` listener of `ProtocolsModule.forRoot`, also the options of `UdpServer`.
 *
 * @publicApi
 */
export interface UdpListenerOptions extends ListenerOptions {
  /** Socket type. Default: from `host` (`udp6` for an IPv6 literal). */
  type?: UdpSocketType;
  /**
   * Largest datagram accepted or sent, signature included (bytes). Default 1200, at most
   * 65,507. A larger request gets a RESOURCE_EXHAUSTED reply; so does a handler whose reply
   * would not fit.
   */
  maxDatagramBytes?: number;
  /**
   * Shared HMAC-SHA256 key. When set, every datagram must be signed with it: unsigned or
   * wrongly signed ones are dropped (counted, never answered) and replies are signed.
   * Default: `ORION_UDP_HMAC_KEY` from the environment, else none (unsigned peers then
   * get no reply over 3x their request's size).
   */
  hmacKey?: UdpHmacKey;
  /** Duplicate suppression settings, or `false` to run every datagram. */
  replyCache?: UdpReplyCacheOptions | false;
}

/**
 * Retransmission of a request whose reply has not arrived. Only for idempotent requests:
 * the server suppresses duplicates for as long as its reply cache remembers the request.
 *
 * @publicApi
 */
export interface UdpRetransmitOptions {
  /** Wait between two sends of the same request (ms). */
  intervalMs: number;
  /** Sends in total, the first one included (so 3 = at most 2 retransmissions). */
  maxAttempts: number;
}

/**
 * Options of one `UdpClient.send` call; they win over the client's.
 *
 * @publicApi
 */
export interface UdpCallOptions {
  /** Deadline of this call (ms). */
  timeoutMs?: number;
  /** Retransmission of this call, or `false` for none. */
  retransmit?: UdpRetransmitOptions | false;
}

/** @publicApi */
export interface UdpClientOptions extends ClientCallOptions {
  /** Server host. Default `127.0.0.1`. */
  host?: string;
  port: number;
  /** Socket type. Default: from `host` (`udp6` for an IPv6 literal). */
  type?: UdpSocketType;
  /** Largest datagram sent, signature included (bytes). Default 1200, at most 65,507. */
  maxDatagramBytes?: number;
  /**
   * Shared HMAC-SHA256 key: requests are signed, unsigned or wrongly signed replies dropped.
   * Default: `ORION_UDP_HMAC_KEY` from the environment, else none (requests are then padded).
   */
  hmacKey?: UdpHmacKey;
  /** Default retransmission of every `send` (off unless set). */
  retransmit?: UdpRetransmitOptions;
}
