import type { ClientTlsOptions } from '../tls/tls.options';

/**
 * Options shared by Orion's transport clients.
 *
 * @publicApi
 */
export interface ClientCallOptions {
  /** Every call ends by this many ms (or the current request's deadline, if sooner). Default 5000. */
  timeoutMs?: number;
}

/**
 * Per-call options every Orion transport client takes as the third argument of `send`
 * and `emit`.
 *
 * @publicApi
 */
export interface CallOptions {
  /** Deadline of this call (ms), cut short by the current request's deadline. */
  timeoutMs?: number;
  /** Extra headers for this call (correlation id and budget are added). */
  headers?: Record<string, string>;
}

/** @publicApi */
export interface TcpClientOptions extends ClientCallOptions {
  host?: string;
  port: number;
  maxFrameBytes?: number;
  /** Connect over TLS (to a `tcp` listener with `tls`). */
  tls?: ClientTlsOptions;
}
