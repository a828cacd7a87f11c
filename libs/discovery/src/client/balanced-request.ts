import type { Observable, Subscriber } from 'rxjs';
import type { TransportClient } from './transport-clients';

/** What one attempt does with the chosen instance's client (`request`: the call's own, for invokes shared by every call). */
export type Invoke = (client: TransportClient, timeoutMs: number, request: BalancedRequest) => Observable<unknown>;

/** Where a call's outcome goes: a callback, or the subscriber of the proxy's Observable (no closure per call). */
export type CallSink = ((error: unknown, value?: unknown) => void) | Subscriber<unknown>;

/**
 * What a call sends: a request (`send`) goes through the client's promise-free `call()` when
 * it has one; anything else (events, HTTP routes, clients without `call`) through `invoke`.
 */
export interface BalancedRequest {
  readonly pattern: string;
  readonly data: unknown;
  readonly headers: Record<string, string> | undefined;
  readonly invoke: Invoke;
  readonly isPlainSend: boolean;
  /** An `emit`: its attempt spans are PRODUCER spans. */
  readonly isEvent: boolean;
}
