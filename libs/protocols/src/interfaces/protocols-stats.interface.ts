import type { UdpServerStats } from '../transports/udp/udp.events';

/**
 * Counters of this app's listeners since they started, from `ProtocolsRuntime.stats()`.
 * A listener that is not configured (or not started yet) is absent.
 *
 * @publicApi
 */
export interface ProtocolsStats {
  tcp?: {
    /** Events dropped because no handler serves their pattern, or because they were no packet. */
    droppedMessages: number;
    /** Connections closed for bad framing, a failed TLS handshake, or over `maxConnections`. */
    refusedConnections: number;
  };
  ws?: {
    /** Upgrades refused because `maxConnections` was reached. */
    refusedConnections: number;
  };
  mqtt?: {
    /** Messages dropped because they were unusable and carried no reply address. */
    droppedMessages: number;
  };
  /** `received`, `replied`, `errorReplies`, `dropped`, `duplicates`, `cutReplies` (see docs/protocols.md#udp). */
  udp?: UdpServerStats;
}
