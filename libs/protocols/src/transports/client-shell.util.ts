import { Observable } from 'rxjs';
import { ProtocolError } from '../errors/protocol.error';
import { MAX_CALL_TIMEOUT_MS } from '../utils/deadline.util';

/**
 * How a call ends: `(undefined, value)` with its reply, `(error)` with a `ProtocolError`.
 * Called exactly once per call, possibly before `call()` returns (a request that cannot be
 * encoded, a client already closed).
 */
export type CallCallback = (error: ProtocolError | undefined, value?: unknown) => void;

/**
 * `send()` of a client with a `call()` fast path: one call per subscription, its reply emitted
 * and completed, the call cancelled on unsubscribe.
 */
export function observeCall<T>(call: (done: CallCallback) => number, cancel: (id: number) => void): Observable<T> {
  return new Observable<T>((subscriber) => {
    const id = call((error, value) => {
      if (error !== undefined) return subscriber.error(error);
      subscriber.next(value as T);
      subscriber.complete();
    });
    return () => cancel(id);
  });
}

/** The one status type of the Orion transport clients (`client.status`). */
export { ClientStatus } from './client.events';

/** One call waiting for its reply. @internal */
export class PendingCall {
  /** The last value a streamed reply carried. */
  value: unknown = undefined;

  constructor(
    readonly id: number,
    readonly deadline: number,
    readonly pattern: string,
    readonly done: CallCallback,
  ) {}
}

/**
 * The calls of one client waiting for replies, by numeric id, with ONE sweep timer for every
 * deadline instead of a timer per call: the timer is armed for the earliest deadline; when it
 * fires it ends the calls that are due with DEADLINE_EXCEEDED and re-arms for the next. With
 * equal timeouts a new call never moves it, so a call costs a `Map` insert and delete; the
 * timer stays armed when the table empties (one call at a time would otherwise set and clear
 * a timer per call), and is unref'd: the socket of a call in flight keeps the process alive.
 *
 * @internal
 */
export class PendingCalls {
  private readonly calls = new Map<number, PendingCall>();
  private nextId = 1;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;

  get size(): number {
    return this.calls.size;
  }

  /** Registers a call; returns it (its `id` goes on the wire). */
  add(deadline: number, pattern: string, done: CallCallback): PendingCall {
    const id = this.nextId;
    this.nextId = id === 0x7fffffff ? 1 : id + 1;
    const call = new PendingCall(id, deadline, pattern, done);
    this.calls.set(id, call);
    if (deadline < this.timerAt) this.arm(deadline);
    return call;
  }

  get(id: number): PendingCall | undefined {
    return this.calls.get(id);
  }

  /** Ends call `id` (if still pending) with `error` or `value`. */
  settle(id: number, error: ProtocolError | undefined, value?: unknown): void {
    const call = this.calls.get(id);
    if (call === undefined) return;
    this.calls.delete(id);
    call.done(error, value);
  }

  /** Forgets call `id` without calling it back (its caller cancelled). */
  drop(id: number): void {
    this.calls.delete(id);
  }

  /** Ends every pending call with the error `errorOf` gives for it. */
  failAll(errorOf: (call: PendingCall) => ProtocolError): void {
    const calls = [...this.calls.values()];
    this.calls.clear();
    this.disarm();
    for (const call of calls) call.done(errorOf(call));
  }

  private arm(at: number): void {
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.sweep(), Math.min(Math.max(0, at - Date.now()), MAX_CALL_TIMEOUT_MS));
    this.timer.unref();
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private sweep(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = Date.now();
    let next = Infinity;
    const due: PendingCall[] = [];
    for (const call of this.calls.values()) {
      if (call.deadline <= now) due.push(call);
      else if (call.deadline < next) next = call.deadline;
    }
    for (const call of due) this.calls.delete(call.id);
    if (next !== Infinity) this.arm(next);
    for (const call of due) call.done(ProtocolError.deadlineExceeded(`'${call.pattern}' got no reply in time`));
  }
}

/** What `ForwardedListeners` attaches to: a socket, an mqtt.js client, ... */
interface ListenerTarget {
  on(event: string, listener: Function): unknown;
}

/**
 * The listeners given to a client's `on()`: attached to the current connection at once and to
 * every connection opened later (a client reconnects on the next call after a drop).
 *
 * @internal
 */
export class ForwardedListeners {
  private readonly listeners: [string, Function][] = [];

  /** Remembers `listener` and attaches it to `current`, if a connection is open. */
  add(event: string, listener: Function, current: ListenerTarget | undefined): void {
    this.listeners.push([event, listener]);
    current?.on(event, listener as never);
  }

  /** Attaches every remembered listener to a new connection. */
  attachTo(target: ListenerTarget): void {
    for (const [event, listener] of this.listeners) target.on(event, listener as never);
  }
}

/**
 * A connection opened once and shared by the calls that need it; forgotten when opening
 * fails and on `reset()` (close, drop), so that the next call opens a new one.
 *
 * @internal
 */
export class MemoisedConnection<T> {
  private opening: Promise<T> | undefined;

  constructor(private readonly open: () => Promise<T>) {}

  get(): Promise<T> {
    if (this.opening !== undefined) return this.opening;
    const opening = this.open().catch((error: unknown) => {
      // A failed attempt is forgotten, unless a reset already replaced it.
      if (this.opening === opening) this.opening = undefined;
      throw error;
    });
    this.opening = opening;
    return opening;
  }

  /** Sets the connection already open (a client that opens synchronously). */
  set(value: T): Promise<T> {
    return (this.opening = Promise.resolve(value));
  }

  get isSet(): boolean {
    return this.opening !== undefined;
  }

  reset(): void {
    this.opening = undefined;
  }
}

/**
 * Calls waiting for their reply by correlation id, on the clients whose deadline is the
 * caller's Observable (`callByDeadline`): WebSocket, MQTT, UDP.
 *
 * @internal
 */
export class WaitingCalls<K, V> {
  private readonly calls = new Map<K, V>();

  set(id: K, call: V): void {
    this.calls.set(id, call);
  }

  get(id: K): V | undefined {
    return this.calls.get(id);
  }

  /** True while `call` is the one waiting under `id`. */
  isWaiting(id: K, call: V): boolean {
    return this.calls.get(id) === call;
  }

  /** Removes `call` if it still waits under `id`; true when it did. */
  take(id: K, call: V): boolean {
    if (this.calls.get(id) !== call) return false;
    this.calls.delete(id);
    return true;
  }

  delete(id: K): void {
    this.calls.delete(id);
  }

  /** Removes and returns every waiting call (to fail them all). */
  drain(): V[] {
    const calls = [...this.calls.values()];
    this.calls.clear();
    return calls;
  }
}
