import type { RawData } from 'ws';
import type { ClientCallOptions } from '../../interfaces/client-options.interface';
import type { ClientTlsOptions } from '../../tls/tls.options';

/** @publicApi */
export interface WsClientOptions extends ClientCallOptions {
  /** Full URL of the listener, path included: `ws://127.0.0.1:3000/ws`. */
  url: string;
  /** Largest frame sent or received (bytes); a larger request fails with RESOURCE_EXHAUSTED before it is sent. Default 1 MiB. */
  maxPayloadBytes?: number;
  /** TLS of a `wss://` URL: the CA that signs the server's certificate, a client certificate for mutual TLS. */
  tls?: ClientTlsOptions;
}

/**
 * Events of the underlying `ws` socket that `WsClient.on` forwards.
 *
 * @publicApi
 */
export type WsClientEvents = {
  open: () => void;
  close: (code: number, reason: Buffer) => void;
  error: (error: Error) => void;
  message: (data: RawData, isBinary: boolean) => void;
};
