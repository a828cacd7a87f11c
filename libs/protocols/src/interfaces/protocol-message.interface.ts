import type { Protocol } from './protocol.interface';

/**
 * One incoming message, whatever protocol carried it. `@MsgContext()` injects it and
 * every `ProtocolMiddleware` receives it.
 *
 * @publicApi
 */
export interface ProtocolMessage<TPayload = unknown> {
  /** Request id: the caller's (packet id, `x-request-id`, WS frame id) or a generated one. */
  id: string;
  protocol: Protocol;
  /** The endpoint pattern the message was routed to. */
  pattern: string;
  payload: TPayload;
  /** Lower-cased header names; values are strings. Middleware may add headers. */
  headers: Record<string, string>;
  /** Epoch ms when the message reached the server-side chain. */
  receivedAt: number;
  /** Epoch ms after which the caller no longer waits; absent when the caller set none. */
  deadline?: number;
  /** True for `@EventEndpoint` handlers: no reply is sent. */
  isEvent: boolean;
}
