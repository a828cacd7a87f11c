import { currentProtocolMessage, isNotSentError, ProtocolError, toClientError } from '@orion/protocols';
import type { Observable } from 'rxjs';
import type { ServiceInstance } from '../registry/service-instance.interface';
import { attemptHeaders, attemptParent, endAttemptSpan, invokeInAttemptSpan, startAttemptSpan } from './attempt-tracing';
import type { RetryOptions } from './balanced-client.options';
import { isApplicationError, isRetryable } from './call-classification.util';
import type { AttemptEnd, ServiceBalancer } from './service-balancer';
import type { TransportClient } from './transport-clients';

/** What one attempt does with the chosen instance's client. */
export type Invoke = (client: TransportClient, timeoutMs: number) => Observable<unknown>;

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
  readonly isEvent?: boolean;
}

/** A timer beyond 2^31-1 ms fires at once: no call waits longer than 24 h. */
const MAX_CALL_MS = 24 * 60 * 60 * 1000;

/** The details of a call that was never sent (retry-safe, never charged to an instance). */
const NOT_SENT = Object.freeze({ isRequestSent: false });

/**
 * One balanced call: picks, attempts and retries `invoke` until a reply, a final failure,
 * the deadline (the call's timeout cut short by the deadline of the request being handled,
 * fixed when the call starts), or `cancel()`, which also unsubscribes the attempt in flight.
 *
 * Only failures that come from the instance count against it (Envoy's outlier detection
 * does the same): a request that could not be encoded, a call cancelled by its caller and an
 * attempt cut short by the inbound deadline leave the instance's record alone.
 */
export class BalancedCall {
  private readonly deadline: number;
  /** True when the inbound request's deadline, not this call's timeout, set `deadline`. */
  private readonly isInboundBound: boolean;
  private readonly retry: RetryOptions;
  /** The first instance tried; the `Set` of tried ones is made only when a retry needs it. */
  private firstId: string | undefined;
  private tried: Set<string> | undefined;
  private isCancelled = false;
  /** Attempts made so far (the attempt number of its span). */
  private attempts = 0;
  /** The trace context the attempt spans descend from, taken at the start; undefined without an SDK. */
  private readonly traceParent = attemptParent();
  /** Stops what the call is waiting on (attempt, backoff, empty view). */
  private stopWaiting: (() => void) | undefined;
  /** `PickContext.versionPin`: the per-call `version`, else the pin header of the call or of the inbound request. */
  readonly versionPin: string | undefined;
  /** A pin that is not a semver range: the call fails with it, unsent. */
  private readonly pinError: ProtocolError | undefined;
  /** No hash key and no pin: a first pick needs no context. */
  private readonly isContextFree: boolean;

  constructor(
    private readonly balancer: ServiceBalancer,
    private readonly request: BalancedRequest,
    timeoutMs: number,
    retry: RetryOptions,
    /** `PickContext.hashKey`: the call is its own pick context, so a pick allocates nothing. */
    readonly hashKey: string | undefined,
    version?: string,
  ) {
    const now = Date.now();
    const own = now + Math.min(timeoutMs, MAX_CALL_MS);
    const message = currentProtocolMessage();
    const inbound = message?.deadline;
    this.versionPin = balancer.versionPinOf(version, request.headers, message?.headers);
    this.pinError = this.versionPin === undefined ? undefined : balancer.checkVersionPin(this.versionPin);
    this.isContextFree = hashKey === undefined && this.versionPin === undefined;
    this.isInboundBound = inbound !== undefined && inbound < own;
    this.deadline = this.isInboundBound ? inbound! : own;
    this.retry = retry;
  }

  cancel(): void {
    if (this.isCancelled) return;
    this.isCancelled = true;
    this.stopWaiting?.();
  }

  /**
   * Runs the call and calls `done` once with its reply or its failure. The fast path (view
   * ready, a request to a client with `call()`, a first pick) takes no promise at all; a
   * retry, an empty view or a cold start continue in `run`'s loop.
   */
  start(done: (error: unknown, value?: unknown) => void): void {
    const balancer = this.balancer;
    const remaining = this.deadline - Date.now();
    if (this.pinError !== undefined) return done(this.pinError);
    if (balancer.isReady && this.request.isPlainSend && remaining > 0) {
      const instance = balancer.picker.pick(this.isContextFree ? undefined : this);
      if (instance !== undefined && balancer.clients.get(instance).client.call !== undefined) {
        this.book();
        this.firstId = instance.id;
        const attemptMs = Math.min(remaining, this.retry.attemptTimeoutMs ?? remaining);
        this.attemptWith(instance, attemptMs, this.isInboundBound && attemptMs === remaining, (error, value) => {
          if (error === undefined) return done(undefined, value);
          this.loop(2, error as ProtocolError, attemptMs === remaining).then((reply) => done(undefined, reply), done);
        });
        return;
      }
    }
    this.run().then((reply) => done(undefined, reply), done);
  }

  async run(): Promise<unknown> {
    if (this.pinError !== undefined) throw this.pinError;
    if (!this.balancer.isReady) await this.balancer.start();
    this.book();
    return this.loop(1, undefined, false);
  }

  private book(): void {
    this.balancer.totals.requests++;
    this.balancer.budget.recordRequest();
  }

  /** Attempts from `attempt` on; `failure`: how attempt `attempt - 1` failed, if it did. */
  private async loop(attempt: number, failure: ProtocolError | undefined, wasWholeBudget: boolean): Promise<unknown> {
    const balancer = this.balancer;
    let lastError = failure === undefined ? undefined : await this.afterFailure(failure, attempt - 1, wasWholeBudget);
    for (; ; attempt++) {
      this.throwIfCancelled();
      const remaining = this.deadline - Date.now();
      if (remaining <= 0) throw lastError ?? ProtocolError.deadlineExceeded(`'${this.request.pattern}' ran out of time`);
      if (this.firstId !== undefined) this.tried ??= new Set([this.firstId]);
      let instance = balancer.picker.pick(this.tried === undefined && this.isContextFree ? undefined : this);
      // An empty view (cold start, registry restarted empty) may fill within the deadline: wait for the next one.
      // NOTE: a pin matching none of a non-empty view fails at once: no silent wait, no fallback.
      while (
        instance === undefined &&
        this.firstId === undefined &&
        Date.now() < this.deadline - 1 &&
        !this.isCancelled &&
        (this.versionPin === undefined || balancer.picker.instances.length === 0)
      ) {
        await this.waitForView();
        instance = balancer.picker.pick(this.isContextFree ? undefined : this);
      }
      this.throwIfCancelled();
      if (instance === undefined) throw lastError ?? balancer.noInstanceError(this.versionPin);
      if (this.firstId === undefined) this.firstId = instance.id;
      else this.tried!.add(instance.id);
      const attemptMs = Math.min(remaining, this.retry.attemptTimeoutMs ?? remaining);
      try {
        return await this.attempt(instance, attemptMs, this.isInboundBound && attemptMs === remaining);
      } catch (error) {
        lastError = await this.afterFailure(error as ProtocolError, attempt, attemptMs === remaining);
      }
    }
  }

  /** Decides whether attempt `attempt`'s failure is retried (throws it when not); waits the backoff. */
  private async afterFailure(failure: ProtocolError, attempt: number, wasWholeBudget: boolean): Promise<ProtocolError> {
    const balancer = this.balancer;
    if (this.isCancelled || isApplicationError(failure) || attempt >= Math.max(1, this.retry.maxAttempts ?? 3)) throw failure;
    // NOTE: an attempt that timed out with the whole remaining budget leaves none to retry with.
    if (failure.code === 'DEADLINE_EXCEEDED' && wasWholeBudget) throw failure;
    if (!isRetryable(failure, this.retry.isIdempotent === true)) throw failure;
    if (!balancer.budget.tryRetry()) {
      balancer.totals.budgetExhausted++;
      throw failure;
    }
    balancer.totals.retries++;
    const backoff = Math.min(this.retry.maxBackoffMs ?? 200, (this.retry.backoffMs ?? 10) * 2 ** (attempt - 1));
    await this.sleep(Math.min(Math.random() * backoff, Math.max(0, this.deadline - Date.now() - 1)));
    return failure;
  }

  /** One attempt on the instance `instanceId` of the view (broadcast, leader): no pick, no retry. */
  async runOn(instanceId: string): Promise<unknown> {
    const instance = this.balancer.view.instances.find((i) => i.id === instanceId);
    const remaining = this.deadline - Date.now();
    if (instance === undefined) throw ProtocolError.unavailable(`instance '${instanceId}' of '${this.balancer.service}' left the view`);
    if (remaining <= 0) throw ProtocolError.deadlineExceeded(`'${this.request.pattern}' ran out of time`);
    return this.attempt(instance, remaining, this.isInboundBound);
  }

  /** `PickContext.exclude`: the instances this call already failed on. */
  get exclude(): ReadonlySet<string> | undefined {
    return this.tried;
  }

  /** One attempt on one instance, booked on its slot; `isCutByCaller`: its timeout is the inbound deadline. */
  private attempt(instance: ServiceInstance, timeoutMs: number, isCutByCaller: boolean): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) =>
      this.attemptWith(instance, timeoutMs, isCutByCaller, (error, value) => (error === undefined ? resolve(value) : reject(error))),
    );
  }

  /** `attempt` with a callback: `done` is called once, possibly before this returns. */
  private attemptWith(
    instance: ServiceInstance,
    timeoutMs: number,
    isCutByCaller: boolean,
    done: (error: ProtocolError | undefined, value?: unknown) => void,
  ): void {
    const balancer = this.balancer;
    const slot = balancer.begin(instance);
    const started = performance.now();
    const request = this.request;
    // Undefined (nothing allocated) without an OpenTelemetry SDK: see attempt-tracing.ts.
    const span = startAttemptSpan(
      this.traceParent,
      balancer.service,
      slot.protocol,
      request.pattern,
      instance,
      ++this.attempts,
      request.isEvent === true,
    );
    let isSettled = false;
    const settle = (end: AttemptEnd, error: ProtocolError | undefined, value: unknown): void => {
      isSettled = true;
      this.stopWaiting = undefined;
      balancer.end(slot, end, performance.now() - started, error);
      if (span !== undefined) endAttemptSpan(span, end, error);
      done(error, value);
    };
    const failed = (raw: unknown): void => {
      if (isSettled) return;
      const error = attemptError(raw, request.pattern);
      settle(endOf(error, isCutByCaller), error, undefined);
    };
    const client = slot.client;
    if (request.isPlainSend && client.call !== undefined) {
      // The fast path: no Observable, no subscription; the callback runs as the reply is parsed.
      let id: number;
      try {
        const headers = span === undefined ? request.headers : attemptHeaders(span, request.headers);
        id = client.call(request.pattern, request.data, { timeoutMs, headers }, (error, value) => {
          if (error !== undefined) failed(error);
          else if (!isSettled) settle('served', undefined, value);
        });
      } catch (error) {
        // NOTE: a client that throws (bad per-call options) still ends the attempt, booked.
        return failed(error);
      }
      if (!isSettled) this.stopWaiting = () => cancelAttempt(() => client.cancel?.(id));
      return;
    }
    let value: unknown;
    const source = span === undefined ? request.invoke(client, timeoutMs) : invokeInAttemptSpan(span, request.invoke, client, timeoutMs);
    const subscription = source.subscribe({
      next: (reply) => (value = reply),
      error: failed,
      complete: () => {
        if (!isSettled) settle('served', undefined, value);
      },
    });
    if (!isSettled) this.stopWaiting = () => cancelAttempt(() => subscription.unsubscribe());
    function cancelAttempt(stop: () => void): void {
      if (isSettled) return;
      stop();
      settle('caller', cancelledError(request.pattern), undefined);
    }
  }

  private waitForView(): Promise<void> {
    const { promise, stop } = this.balancer.nextView(this.deadline - 1);
    this.stopWaiting = stop;
    return promise.finally(() => (this.stopWaiting = undefined));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.stopWaiting = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => (this.stopWaiting = undefined));
  }

  private throwIfCancelled(): void {
    if (this.isCancelled) throw cancelledError(this.request.pattern);
  }
}

/** Encoders fail with engine errors (stack overflow on deep nesting, BigInt, cycles); the network never does. */
function isEncodingError(raw: unknown): raw is Error {
  return raw instanceof RangeError || (raw instanceof TypeError && /BigInt|circular/i.test(raw.message));
}

function cancelledError(what: string): ProtocolError {
  return new ProtocolError('CANCELLED', `'${what}' was cancelled by its caller`, NOT_SENT);
}

/** The caller-facing error of an attempt; a request that cannot be encoded is the caller's bug. */
function attemptError(raw: unknown, what: string): ProtocolError {
  if (isEncodingError(raw)) return ProtocolError.invalidArgument(`'${what}' could not be encoded: ${raw.message}`, NOT_SENT);
  return toClientError(raw);
}

function endOf(error: ProtocolError, isCutByCaller: boolean): AttemptEnd {
  if (isApplicationError(error)) return isNotSentError(error) ? 'caller' : 'served';
  if (error.code === 'DEADLINE_EXCEEDED' && isCutByCaller) return 'caller';
  return 'failed';
}
