import type { ClientCallOptions } from '../../interfaces/client-options.interface';
import type { ClientTlsOptions } from '../../tls/tls.options';

/** @publicApi */
export interface HttpClientOptions extends ClientCallOptions {
  /** Base URL of the HTTP listener: `http://127.0.0.1:3000` (a path prefix is kept). */
  url: string;
  /**
   * TLS of an `https://` URL: the CA that signs the server's certificate (default: Node's
   * root CAs), a client certificate for mutual TLS.
   */
  tls?: ClientTlsOptions;
}

/**
 * One HTTP request of `HttpClient.request`.
 *
 * @publicApi
 */
export interface HttpClientRequest {
  /** `GET`, `POST`, ... */
  method: string;
  /** Path (and query) under the client's URL, e.g. `/greet/ada?lang=en`. */
  path: string;
  /** Sent as JSON (`content-type: application/json`) unless it is a string or bytes. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Deadline of this request (ms), cut short by the current request's deadline. */
  timeoutMs?: number;
}

/**
 * What `HttpClient.request` emits for a 2xx answer: JSON bodies parsed, others as text,
 * an empty body as `null`.
 *
 * @publicApi
 */
export interface HttpClientResponse<TBody = unknown> {
  status: number;
  headers: Record<string, string>;
  body: TBody;
}
