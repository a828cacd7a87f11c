export { UdpServer } from './udp.server';
export { UdpClient } from './udp.client';
export { UdpContext } from './udp.context';
export { UdpStatus, type UdpEvents, type UdpServerStats, type UdpClientStats } from './udp.events';
export type {
  UdpListenerOptions,
  UdpClientOptions,
  UdpCallOptions,
  UdpRetransmitOptions,
  UdpReplyCacheOptions,
  UdpHmacKey,
  UdpSocketType,
} from './udp.options';
export {
  UDP_TRANSPORT,
  UDP_WIRE_VERSION,
  UDP_DEFAULT_MAX_DATAGRAM_BYTES,
  UDP_MAX_DATAGRAM_BYTES,
  UDP_MIN_DATAGRAM_BYTES,
  UDP_HMAC_BYTES,
  UDP_DEFAULT_REPLY_CACHE_TTL_MS,
  UDP_DEFAULT_REPLY_CACHE_MAX_ENTRIES,
  UDP_AMPLIFICATION_FACTOR,
  UDP_HMAC_KEY_ENV,
} from './udp.constants';
