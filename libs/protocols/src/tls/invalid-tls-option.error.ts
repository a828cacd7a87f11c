/**
 * Thrown when a TLS option cannot be used: a file that cannot be read, material that is
 * not PEM, a certificate that does not match its key, a missing CA for mutual TLS. The
 * message names the option (`grpc.tls.cert`, `tls.ca[1]`) and, for files, the path, so
 * a deployment fails at startup with the fix in the error text.
 *
 * @publicApi
 */
export class InvalidTlsOptionError extends Error {
  override readonly name = 'InvalidTlsOptionError';
}
