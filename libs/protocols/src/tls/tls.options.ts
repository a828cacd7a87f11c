/**
 * Certificate or key material: PEM text (a string that starts with `-----BEGIN`), a
 * Buffer holding PEM, or any other string, taken as the path of a PEM file read once at
 * startup (when the listener or client is built).
 *
 * @publicApi
 */
export type TlsMaterial = string | Buffer;

/**
 * TLS of a listener (`http`, `ws` with its own port, `tcp`, `grpc`).
 *
 * @publicApi
 */
export interface TlsOptions {
  /** The server's certificate chain (PEM), leaf first. */
  cert: TlsMaterial;
  /** The private key of `cert` (PEM, unencrypted). */
  key: TlsMaterial;
  /**
   * CA certificate(s) that client certificates must chain to. Required with
   * `requestClientCert`; otherwise unused.
   */
  ca?: TlsMaterial | TlsMaterial[];
  /**
   * Mutual TLS: every client must present a certificate signed by `ca`; a client without
   * one, or with one `ca` did not sign, fails the handshake. Default `false`.
   */
  requestClientCert?: boolean;
}

/**
 * TLS of a client (`TcpClient`, `WsClient` with a `wss://` URL, `GrpcClient`,
 * `HttpClient` with an `https://` URL, `MqttClient` with `mqtts://`), and of the MQTT
 * listener's broker connection.
 *
 * @publicApi
 */
export interface ClientTlsOptions {
  /** CA certificate(s) the server's certificate must chain to. Default: Node's root CAs. */
  ca?: TlsMaterial | TlsMaterial[];
  /** Client certificate (PEM) for mutual TLS; needs `key`. */
  cert?: TlsMaterial;
  /** Private key of `cert` (PEM, unencrypted). */
  key?: TlsMaterial;
  /** Name the server's certificate must carry (and SNI), when it differs from the host in the URL. */
  servername?: string;
  /**
   * Refuse a server whose certificate does not verify. Default `true`; `false` turns the
   * check off (encryption without authentication: for tests only).
   */
  rejectUnauthorized?: boolean;
}
