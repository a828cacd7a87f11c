import type { RemoteInfo } from 'node:dgram';

/**
 * Status of a `UdpServer` (socket bound) or a `UdpClient` (socket open).
 *
 * @publicApi
 */
export enum UdpStatus {
  CONNECTED = 'connected',
  DISCONNECTED = 'disconnected',
}

/**
 * Events of the underlying `node:dgram` socket that `UdpServer.on` and `UdpClient.on`
 * forward.
 *
 * @publicApi
 */
export type UdpEvents = {
  error: (error: Error) => void;
  listening: () => void;
  close: () => void;
  message: (datagram: Buffer, remote: RemoteInfo) => void;
};

/**
 * Counters of a `UdpServer` since it started.
 *
 * @publicApi
 */
export interface UdpServerStats {
  /** Datagrams read from the socket. */
  received: number;
  /** Replies sent (error replies and replies from the cache included). */
  replied: number;
  /** Of `replied`, error replies. */
  errorReplies: number;
  /** Datagrams neither run nor answered: garbage, unauthenticated, reply-shaped, events for no endpoint, replies cut to nothing. */
  dropped: number;
  /** Retransmitted requests: answered from the reply cache, or ignored while still running. */
  duplicates: number;
  /**
   * Replies over 3x the request to an unsigned sender (anti-amplification): replaced by a
   * short RESOURCE_EXHAUSTED error, or dropped when even that is over the limit.
   */
  cutReplies: number;
}

/**
 * Counters of a `UdpClient` since it connected.
 *
 * @publicApi
 */
export interface UdpClientStats {
  /** Datagrams sent (requests, retransmissions and events). */
  sent: number;
  /** Of `sent`, retransmissions. */
  retransmitted: number;
  /** Datagrams read from the socket. */
  received: number;
  /** Received datagrams that matched no pending call, were malformed or failed the HMAC. */
  dropped: number;
}
