import { AsyncLocalStorage } from 'node:async_hooks';
import { Observable } from 'rxjs';
import type { ProtocolMessage } from '../interfaces/protocol-message.interface';

const storage = new AsyncLocalStorage<ProtocolMessage>();
/** The message whose handler is running synchronously right now (the direct path's explicit slot). */
let running: ProtocolMessage | undefined;
/**
 * Whether the AsyncLocalStorage was ever entered. On Node 20 the first `run` installs
 * promise hooks for the whole process (every promise pays them from then on), so the direct
 * path avoids it where it can; once it has been paid, it is used everywhere.
 */
let isAsyncContextOn = false;

/**
 * The message whose handler is running, if any. Outgoing Orion clients read it to forward
 * the correlation id and the remaining deadline to the next hop.
 *
 * @publicApi
 */
export function currentProtocolMessage(): ProtocolMessage | undefined {
  return running ?? storage.getStore();
}

/** Subscribes to `source` inside the message's async context. */
export function runInMessageContext<T>(message: ProtocolMessage, source: () => Observable<T>): Observable<T> {
  return new Observable<T>((subscriber) => withAsyncContext(message, () => source().subscribe(subscriber)));
}

/** Runs `fn` inside the message's async context (the message survives `await`). */
export function withAsyncContext<T>(message: ProtocolMessage, fn: () => T): T {
  isAsyncContextOn = true;
  const previous = running;
  running = undefined;
  try {
    return storage.run(message, fn);
  } finally {
    running = previous;
  }
}

/**
 * Runs `fn` with the message current for its synchronous part only (no promise hooks);
 * inside the async context instead when that is already paid for.
 */
export function withMessage<T>(message: ProtocolMessage, fn: () => T): T {
  if (isAsyncContextOn) return storage.run(message, fn);
  const previous = running;
  running = message;
  try {
    return fn();
  } finally {
    running = previous;
  }
}
