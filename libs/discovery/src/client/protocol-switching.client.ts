import { Logger } from '@nestjs/common';
import { isNotSentError, ProtocolError, toClientError, type CallOptions } from '@orion/protocols';
import { Observable } from 'rxjs';
import type { ServiceEndpoint } from '../registry/service-instance.interface';
import { isApplicationError } from './call-classification.util';
import type { ProtocolPreference } from './protocol-preference';
import type { TransportClient } from './transport-clients';

/** One protocol's client, counted so one that went down closes once its calls end. */
interface ProtocolEntry {
  readonly client: TransportClient;
  inFlight: number;
  isRetired: boolean;
}

type Done = (error: ProtocolError | undefined, value?: unknown) => void;

/** A connection refused or never made: the request surely did not reach the protocol's listener. */
const isRefusal = (error: unknown): boolean => error instanceof ProtocolError && error.code === 'UNAVAILABLE' && isNotSentError(error);

/**
 * The client of one instance that advertises several protocols of a balanced client's
 * preference: each attempt goes over the protocol `ProtocolPreference` selects, and a
 * connection refused there (UNAVAILABLE, not sent) moves the instance to its next protocol
 * and sends again at once, within the same attempt. The balancer sees one attempt: the hop
 * is charged neither to the instance (outlier streak, p2c) nor to the retry budget, since
 * nothing was sent and the instance is alive on its other listener. Its latency includes
 * the refused connection.
 *
 * A protocol marked down has its client closed (once its calls end) and a probe builds a
 * new one, so each probe is a fresh connection attempt (grpc-js would otherwise fail a call
 * at once during its own reconnect backoff, up to 2 minutes).
 *
 * Used only with a preference of two or more transports; a single transport keeps its
 * plain client, so its call path is unchanged.
 */
export class ProtocolSwitchingClient implements TransportClient {
  private readonly logger = new Logger('BalancedClient');
  private readonly entries: (ProtocolEntry | undefined)[];
  private readonly retired = new Set<ProtocolEntry>();
  private readonly stops = new Map<number, () => void>();
  private nextId = 0;

  constructor(
    readonly preference: ProtocolPreference,
    /** The endpoint of each of `preference.protocols`, same order. */
    private readonly endpoints: readonly ServiceEndpoint[],
    private readonly create: (endpoint: ServiceEndpoint) => TransportClient,
  ) {
    this.entries = endpoints.map(() => undefined);
  }

  call(pattern: string, data: unknown, options: CallOptions | undefined, done: Done): number {
    const id = (this.nextId = this.nextId === 0x7fffffff ? 1 : this.nextId + 1);
    const stop = this.start(false, true, pattern, data, options, (error, value) => {
      this.stops.delete(id);
      done(error, value);
    });
    if (stop !== undefined) this.stops.set(id, stop);
    return id;
  }

  cancel(id: number): void {
    const stop = this.stops.get(id);
    this.stops.delete(id);
    stop?.();
  }

  send(pattern: string, data: unknown, options?: CallOptions): Observable<unknown> {
    return this.observe(false, pattern, data, options);
  }

  emit(pattern: string, data: unknown, options?: CallOptions): Observable<unknown> {
    return this.observe(true, pattern, data, options);
  }

  close(): void {
    const entries = [...this.entries, ...this.retired];
    this.entries.fill(undefined);
    this.retired.clear();
    this.stops.clear();
    for (const entry of entries) if (entry !== undefined) this.closeClient(entry.client);
  }

  private observe(isEvent: boolean, pattern: string, data: unknown, options: CallOptions | undefined): Observable<unknown> {
    return new Observable((subscriber) =>
      this.start(isEvent, false, pattern, data, options, (error, value) => {
        if (error !== undefined) return subscriber.error(error);
        subscriber.next(value);
        subscriber.complete();
      }),
    );
  }

  /**
   * Sends over the selected protocol, hopping to the next one on a refusal; calls `done`
   * once. Returns a function that abandons the call (undefined when it already ended).
   */
  private start(
    isEvent: boolean,
    isPlainCall: boolean,
    pattern: string,
    data: unknown,
    options: CallOptions | undefined,
    done: Done,
  ): (() => void) | undefined {
    const startedAt = Date.now();
    const preference = this.preference;
    let hops = 0;
    let stopCurrent: (() => void) | undefined;
    let isDone = false;
    const over = (protocol: number, callOptions: CallOptions | undefined): void => {
      let entry: ProtocolEntry;
      try {
        entry = this.entryOf(protocol);
      } catch (error) {
        // NOTE: no client for that endpoint (a bad advertised address): nothing was sent, as with a refusal.
        const next = preference.refused(protocol);
        if (next >= 0 && next !== protocol && hops < this.endpoints.length) {
          hops++;
          return over(next, callOptions);
        }
        isDone = true;
        return done(error as ProtocolError);
      }
      entry.inFlight++;
      let isSettled = false;
      const settle = (error: unknown, value?: unknown): void => {
        if (isSettled) return;
        isSettled = true;
        stopCurrent = undefined;
        this.release(entry);
        if (error === undefined) {
          preference.succeeded(protocol);
          isDone = true;
          return done(undefined, value);
        }
        if (isRefusal(error)) {
          const next = preference.refused(protocol);
          if (preference.isDown(protocol)) this.retire(protocol);
          const remaining = callOptions?.timeoutMs === undefined ? undefined : callOptions.timeoutMs - (Date.now() - startedAt);
          if (next >= 0 && hops < this.endpoints.length && (remaining === undefined || remaining > 0)) {
            hops++;
            return over(next, remaining === undefined ? options : { timeoutMs: remaining, headers: options?.headers });
          }
        } else if (isNotSentError(error)) {
          // Caller-side (a payload it cannot encode): no verdict on the protocol.
          preference.abandoned(protocol);
        } else if (error instanceof ProtocolError && isApplicationError(error)) {
          preference.succeeded(protocol);
        } else {
          preference.failed(protocol);
        }
        isDone = true;
        done(error as ProtocolError);
      };
      const stop = (): void => {
        if (isSettled) return;
        isSettled = true;
        this.release(entry);
        preference.abandoned(protocol);
      };
      const client = entry.client;
      try {
        if (isPlainCall && client.call !== undefined) {
          const callId = client.call(pattern, data, callOptions, settle);
          if (!isSettled)
            stopCurrent = () => {
              stop();
              client.cancel?.(callId);
            };
          return;
        }
        let value: unknown;
        const source = isEvent ? client.emit(pattern, data, callOptions) : client.send(pattern, data, callOptions);
        const subscription = source.subscribe({
          next: (reply) => (value = reply),
          error: (error: unknown) => settle(toClientError(error)),
          complete: () => settle(undefined, value),
        });
        if (!isSettled)
          stopCurrent = () => {
            stop();
            subscription.unsubscribe();
          };
      } catch (error) {
        // NOTE: a client that throws (bad per-call options, a payload it cannot encode) ends the call as it is.
        if (isSettled) return;
        isSettled = true;
        this.release(entry);
        preference.abandoned(protocol);
        isDone = true;
        done(error as ProtocolError);
      }
    };
    over(preference.select(), options);
    if (isDone) return undefined;
    return () => {
      isDone = true;
      stopCurrent?.();
    };
  }

  /** The client of `protocol`, created on first use (again after the protocol went down). */
  private entryOf(protocol: number): ProtocolEntry {
    let entry = this.entries[protocol];
    if (entry === undefined) {
      entry = { client: this.create(this.endpoints[protocol]), inFlight: 0, isRetired: false };
      this.entries[protocol] = entry;
    }
    return entry;
  }

  private release(entry: ProtocolEntry): void {
    entry.inFlight--;
    if (entry.isRetired && entry.inFlight <= 0) {
      this.retired.delete(entry);
      this.closeClient(entry.client);
    }
  }

  /** `protocol` went down: its client closes once idle; a probe builds a new one. */
  private retire(protocol: number): void {
    const entry = this.entries[protocol];
    if (entry === undefined) return;
    this.entries[protocol] = undefined;
    entry.isRetired = true;
    if (entry.inFlight <= 0) return this.closeClient(entry.client);
    this.retired.add(entry);
  }

  private closeClient(client: TransportClient): void {
    try {
      const closing = client.close() as Promise<unknown> | undefined;
      if (closing && typeof closing.catch === 'function') closing.catch((error: unknown) => this.logger.warn(String(error)));
    } catch (error) {
      this.logger.warn(`closing a protocol client failed: ${String(error)}`);
    }
  }
}
