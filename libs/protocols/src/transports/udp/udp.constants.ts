/** Transport id of Orion's UDP listener (`@MessagePattern('x', UDP_TRANSPORT)` binds to it only). */
export const UDP_TRANSPORT = Symbol('UDP_TRANSPORT');

/** Version of the datagram envelope (`v`); a datagram of another version gets UNIMPLEMENTED. */
export const UDP_WIRE_VERSION = 1;

/**
 * Largest datagram sent or accepted by default (bytes, signature included). 1200 bytes fit
 * the IPv6 minimum MTU (1280) minus IP and UDP headers, so no datagram is ever fragmented
 * on any path (QUIC picks the same number).
 */
export const UDP_DEFAULT_MAX_DATAGRAM_BYTES = 1200;
/** Hard ceiling of `maxDatagramBytes`: the largest UDP payload over IPv4. */
export const UDP_MAX_DATAGRAM_BYTES = 65_507;
/** Floor of `maxDatagramBytes`: every error reply must still fit. */
export const UDP_MIN_DATAGRAM_BYTES = 512;

/**
 * Anti-amplification limit (as QUIC's): a reply to a sender not authenticated by the HMAC
 * is at most this many times the request's size, so a spoofed source cannot be flooded.
 */
export const UDP_AMPLIFICATION_FACTOR = 3;

/** Environment variable read as `hmacKey` by `UdpServer` and `UdpClient` when none is given. */
export const UDP_HMAC_KEY_ENV = 'ORION_UDP_HMAC_KEY';

/** Length of the HMAC-SHA256 prefix of a signed datagram (bytes). */
export const UDP_HMAC_BYTES = 32;

/** Longest request id accepted (characters). */
export const UDP_MAX_ID_LENGTH = 128;
/** Longest pattern accepted (characters), as `@Endpoint` allows. */
export const UDP_MAX_PATTERN_LENGTH = 200;

/** How long a reply stays in the server's duplicate-suppression cache (ms). */
export const UDP_DEFAULT_REPLY_CACHE_TTL_MS = 30_000;
/** How many requests the duplicate-suppression cache remembers at most. */
export const UDP_DEFAULT_REPLY_CACHE_MAX_ENTRIES = 10_000;
