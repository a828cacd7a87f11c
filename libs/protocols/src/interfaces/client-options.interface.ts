/**
 * Options shared by Orion's transport clients.
 *
 * @publicApi
 */
export interface ClientCallOptions {
  /** Every call ends by this many ms (or the current request's deadline, if sooner). Default 5000. */
  timeoutMs?: number;
}

/** @publicApi */
export interface TcpClientOptions extends ClientCallOptions {
  host?: string;
  port: number;
  maxFrameBytes?: number;
}
