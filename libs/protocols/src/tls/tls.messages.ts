/** Text of TLS configuration errors and handshake failures, one function per case. */

export const tlsUnreadableFileMessage = (option: string, path: string, reason: string): string =>
  `TLS option '${option}' is not PEM text (-----BEGIN ...), so it is read as a file path, but '${path}' cannot be read: ${reason}`;

export const tlsNotPemMessage = (option: string, source: string): string =>
  `TLS option '${option}' (${source}) holds no PEM block (-----BEGIN ...)`;

export const tlsWrongTypeMessage = (option: string): string =>
  `TLS option '${option}' must be PEM text, a Buffer holding PEM, or the path of a PEM file`;

export const tlsMissingMessage = (option: string): string => `TLS option '${option}' is required`;

export const tlsPairMessage = (option: string): string =>
  `TLS options '${option}.cert' and '${option}.key' go together: give both or neither`;

export const tlsClientCertNeedsCaMessage = (option: string): string =>
  `TLS option '${option}.requestClientCert' needs '${option}.ca': the CA that signs the client certificates`;

export const tlsUnusableMessage = (option: string, reason: string): string => `TLS options '${option}' cannot be used: ${reason}`;

export const tlsHandshakeFailedMessage = (reason: string): string => `TLS handshake failed: ${reason}`;

export const tlsWsSharedMessage = (): string =>
  "TLS option 'ws.tls' needs 'ws.port': a WebSocket listener without a port of its own shares the HTTP server and follows 'http.tls'";

export const httpsAfterStartMessage = (): string =>
  "'http.tls' must be applied before the HTTP server listens: call startProtocols(app) before app.init() / app.listen()";

export const httpsUnsupportedMessage = (): string =>
  "'http.tls' needs an HTTP adapter that builds its server from 'httpsOptions' (as @nestjs/platform-express does); with another adapter pass httpsOptionsFrom(tls) to NestFactory.create";
