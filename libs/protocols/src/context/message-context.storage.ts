import { AsyncLocalStorage } from 'node:async_hooks';
import { Observable } from 'rxjs';
import type { ProtocolMessage } from '../interfaces/protocol-message.interface';

const storage = new AsyncLocalStorage<ProtocolMessage>();

/**
 * The message whose handler is running, if any. Outgoing Orion clients read it to forward
 * the correlation id and the remaining deadline to the next hop.
 *
 * @publicApi
 */
export function currentProtocolMessage(): ProtocolMessage | undefined {
  return storage.getStore();
}

/** Subscribes to `source` inside the message's async context. */
export function runInMessageContext<T>(message: ProtocolMessage, source: () => Observable<T>): Observable<T> {
  return new Observable<T>((subscriber) => storage.run(message, () => source().subscribe(subscriber)));
}
