import { tlsHandshakeFailedMessage } from './tls.messages';

/** Error codes of Node and OpenSSL for a failed TLS handshake or certificate check. */
const TLS_FAILURE_CODE =
  /^(?:ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|INVALID_CA|INVALID_PURPOSE|HOSTNAME_MISMATCH|EPROTO$)/;

/** What the commonest failures mean, in the words of the one who has to fix them. */
const HINTS: Record<string, string> = {
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 'the server requires a client certificate (mutual TLS)',
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: 'the server refused the handshake (a client certificate may be required)',
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: 'the server does not trust the CA of the client certificate',
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: 'the server refused the client certificate',
  SELF_SIGNED_CERT_IN_CHAIN: "the server's certificate is not signed by a trusted CA",
  DEPTH_ZERO_SELF_SIGNED_CERT: "the server's certificate is self-signed and not trusted",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the server's certificate is not signed by a trusted CA",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "the server's certificate is not signed by a trusted CA",
  ERR_TLS_CERT_ALTNAME_INVALID: "the server's certificate does not name the host connected to",
  ERR_SSL_WRONG_VERSION_NUMBER: 'the server does not speak TLS on this port',
};

/**
 * The message of a failed TLS handshake (`TLS handshake failed: <why> (<code>)`), or
 * undefined when `error` is no TLS failure. A handshake failure happens before the server
 * reads any request, so callers can report the request as not sent.
 * @internal
 */
export function tlsFailureMessage(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !TLS_FAILURE_CODE.test(code)) return undefined;
  const reason = HINTS[code] ?? ((error as { message?: unknown }).message || code);
  return tlsHandshakeFailedMessage(`${String(reason)} (${code})`);
}
