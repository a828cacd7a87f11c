import { connectable, defer, Subject, type Observable } from 'rxjs';
import type { ReadPacket } from '@nestjs/microservices';
import { outgoingDeadline, outgoingHeaders } from '../context/outgoing-headers.util';
import { withDeadline } from './client-call.util';
import { CLIENT_INVALID_OPTION } from './client.messages';
import { MAX_CALL_TIMEOUT_MS } from '../utils/deadline.util';

/**
 * Starts an event at once, subscribed or not, as Nest's `ClientProxy.emit` does: callers
 * may fire and forget, or subscribe to learn when (and whether) it was delivered.
 */
export function startEagerly<T>(source: Observable<T>): Observable<T> {
  const eager = connectable(source, { connector: () => new Subject<T>(), resetOnDisconnect: false });
  eager.connect();
  return eager;
}

/**
 * A positive, finite timeout (ms), or `fallback` when none is given; cut to 24 h, since a
 * longer timer (connect, handshake, call) would fire at once.
 */
export function resolveClientTimeout(client: string, value: number | undefined, fallback: number): number {
  const timeoutMs = value ?? fallback;
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs))
    throw new RangeError(CLIENT_INVALID_OPTION(client, 'timeoutMs', 'a positive, finite number'));
  return Math.min(timeoutMs, MAX_CALL_TIMEOUT_MS);
}

/**
 * The shape every Orion client call shares: at subscribe time, fix the deadline (the call's
 * or the client's timeout, cut short by the current request's deadline), run `start` with it,
 * and end the call by that deadline with a `ProtocolError`.
 */
export function callByDeadline<T>(
  client: string,
  pattern: string,
  timeoutMs: number | undefined,
  fallbackMs: number,
  start: (deadline: number) => Observable<T>,
): Observable<T> {
  return defer(() => {
    const deadline = outgoingDeadline(resolveClientTimeout(client, timeoutMs, fallbackMs));
    return withDeadline(start(deadline), deadline, pattern);
  });
}

/** `packet` with the Orion headers of a call by `deadline` (correlation id, budget) and the call's own `extra`. */
export function withOutgoingHeaders(packet: ReadPacket, deadline: number, extra?: Record<string, string>): ReadPacket {
  return { ...packet, metadata: outgoingHeaders(deadline, { ...packet.metadata, ...extra }) };
}
