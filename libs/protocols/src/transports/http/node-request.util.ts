import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type AgentOptions } from 'node:https';

/** One request as `HttpClient` sends it. @internal */
export interface RawHttpRequest {
  method: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  signal: AbortSignal;
}

/** One answer, body read whole. @internal */
export interface RawHttpResponse {
  status: number;
  statusText: string;
  /** Lower-case names; repeated headers joined with `, ` (as `fetch` reports them). */
  headers: Record<string, string>;
  text: string;
}

/** A keep-alive agent holding a client's TLS options (CA, client certificate, server name). @internal */
export function createHttpsAgent(tls: AgentOptions): HttpsAgent {
  return new HttpsAgent({ keepAlive: true, ...tls });
}

/** A keep-alive agent for `http://` URLs. @internal */
export function createHttpAgent(): HttpAgent {
  return new HttpAgent({ keepAlive: true });
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/**
 * One request on `node:http` / `node:https` (by the agent's kind), through a keep-alive
 * agent. Not `fetch`: it takes no CA or client certificate per request (that needs undici's
 * `Agent`, which Node does not expose), and for small JSON calls it costs the caller ~4x the
 * CPU of `node:http` (undici's streams and WHATWG `Headers`/`Response` objects per call).
 * Rejects with Node's error (its `code` says why: ECONNREFUSED, a TLS failure, ABORT_ERR).
 * @internal
 */
export function nodeRequest(agent: HttpAgent, url: string, init: RawHttpRequest): Promise<RawHttpResponse> {
  const request = agent instanceof HttpsAgent ? httpsRequest : httpRequest;
  return new Promise<RawHttpResponse>((resolve, reject) => {
    const headers: Record<string, string | number> = { ...init.headers };
    if (init.body !== undefined) headers['content-length'] = Buffer.byteLength(init.body);
    const req = request(url, { method: init.method, headers, agent, signal: init.signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('close', () => {
        if (!res.complete)
          return reject(Object.assign(new Error('the connection closed before the answer was complete'), { code: 'ECONNRESET' }));
        resolve({
          status: res.statusCode ?? 0,
          statusText: res.statusMessage ?? '',
          headers: flattenHeaders(res.headers),
          text: Buffer.concat(chunks).toString('utf8'),
        });
      });
    });
    req.on('error', reject);
    req.end(init.body);
  });
}
