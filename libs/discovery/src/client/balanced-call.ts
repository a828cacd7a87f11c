import { currentProtocolMessage, ProtocolError } from '@orion/protocols';
import type { Span } from '@opentelemetry/api';
import type { Unsubscribable } from 'rxjs';
import type { ServiceInstance } from '../registry/service-instance.interface';
import { attemptHeaders, attemptParent, endAttemptSpan, invokeInAttemptSpan, startAttemptSpan } from './attempt-tracing';
import type { RetryOptions } from './balanced-client.options';
import type { BalancedRequest, CallSink } from './balanced-request';
import { attemptError, cancelledError, endOf, isApplicationError, isRetryable } from './call-classification.util';
import type { InstanceSlot } from './instance-clients';
import type { AttemptEnd, ServiceBalancer } from './service-balancer';

/** How an attempt ended, as the attempt's continuation sees it. */
type AttemptResume = (error: ProtocolError | undefined, value?: unknown) => void;

/** A timer beyond 2^31-1 ms fires at once: no call waits longer than 24 h. */
const MAX_CALL_MS = 24 * 60 * 60 * 1000;

/**
 * One balanced call: picks, attempts and retries `invoke` until a reply, a final failure,
 * the deadline (the call's timeout cut short by the deadline of the request being handled,
 * fixed when the call starts), or `cancel()`, which also unsubscribes the attempt in flight.
 *
 * Only failures that come from the instance count against it (Envoy's outlier detection
 * does the same): a request that could not be encoded, a call cancelled by its caller and an
 * attempt cut short by the inbound deadline leave the instance's record alone.
 */
export class BalancedCall implements Unsubscribable {
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
  /** Stops what the call is waiting on between attempts (backoff, empty view). */
  private stopWaiting: (() => void) | undefined;
  /** `PickContext.versionPin`: the per-call `version`, else the pin header of the call or of the inbound request. */
  readonly versionPin: string | undefined;
  /** A pin that is not a semver range: the call fails with it, unsent. */
  private readonly pinError: ProtocolError | undefined;
  /** No hash key and no pin: a first pick needs no context. */
  private readonly isContextFree: boolean;
  /** Where the outcome of `start` goes. */
  private sink: CallSink | undefined;

  // The attempt in flight (one at a time), kept on the call instead of in closures per attempt.
  /** Its slot; undefined when no attempt is in flight (a late callback is then ignored). */
  private slot: InstanceSlot | undefined;
  private attemptStartedAt = 0;
  /** It started before its instance's client had a result: it waited for the connection (`CallOutcome.isColdStart`). */
  private isAttemptCold = false;
  private span: Span | undefined;
  /** Its timeout is the inbound deadline: a DEADLINE_EXCEEDED is the caller's, not the instance's. */
  private isAttemptCutByCaller = false;
  /** The id `client.call()` returned (fast path), or -1. */
  private attemptId = -1;
  /** Its subscription (Observable path). */
  private subscription: Unsubscribable | undefined;
  /** What runs when it ends: the retry loop's promise, or (undefined) the first attempt of `start`. */
  private resume: AttemptResume | undefined;
  /** The first attempt of `start` had the whole remaining budget. */
  private wasFirstWholeBudget = false;
  /** The one reply callback of the call's attempts. */
  private readonly onReply = (error: ProtocolError | undefined, value?: unknown): void => {
    if (error !== undefined) this.attemptFailed(error);
    else if (this.slot !== undefined) this.settleAttempt('served', undefined, value);
  };

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
    if (this.slot !== undefined) this.cancelAttempt();
    else this.stopWaiting?.();
  }

  /** rxjs teardown: unsubscribing from the proxy's Observable cancels the call. */
  unsubscribe(): void {
    this.cancel();
  }

  /**
   * Runs the call and gives `sink` its reply or its failure, once. The fast path (view
   * ready, a request to a client with `call()`, a first pick) takes no promise at all; a
   * retry, an empty view or a cold start continue in `run`'s loop.
   */
  start(sink: CallSink): void {
    const balancer = this.balancer;
    const remaining = this.deadline - Date.now();
    this.sink = sink;
    if (this.pinError !== undefined) return this.finish(this.pinError);
    if (balancer.isReady && this.request.isPlainSend && remaining > 0) {
      const instance = balancer.picker.pick(this.isContextFree ? undefined : this);
      if (instance !== undefined) {
        this.book();
        if (balancer.clients.get(instance).client.call === undefined) {
          // NOTE: the pick is used, not made again: a pick moves a round-robin or weighted schedule.
          this.finishWith(this.loop(1, undefined, false, instance));
          return;
        }
        this.firstId = instance.id;
        const attemptMs = Math.min(remaining, this.retry.attemptTimeoutMs ?? remaining);
        this.wasFirstWholeBudget = attemptMs === remaining;
        this.attemptWith(instance, attemptMs, this.isInboundBound && attemptMs === remaining, undefined);
        return;
      }
    }
    this.finishWith(this.run());
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

  /** Gives the sink what `outcome` settles with. */
  private finishWith(outcome: Promise<unknown>): void {
    outcome.then(
      (reply) => this.finish(undefined, reply),
      (error: unknown) => this.finish(error),
    );
  }

  private finish(error: unknown, value?: unknown): void {
    const sink = this.sink!;
    if (typeof sink === 'function') return sink(error, value);
    if (error !== undefined) return sink.error(error);
    sink.next(value);
    sink.complete();
  }

  /**
   * Attempts from `attempt` on; `failure`: how attempt `attempt - 1` failed, if it did;
   * `picked`: the instance of the first of them, when it was already picked.
   */
  private async loop(
    attempt: number,
    failure: ProtocolError | undefined,
    wasWholeBudget: boolean,
    picked?: ServiceInstance,
  ): Promise<unknown> {
    const balancer = this.balancer;
    let lastError = failure === undefined ? undefined : await this.afterFailure(failure, attempt - 1, wasWholeBudget);
    for (; ; attempt++) {
      this.throwIfCancelled();
      const remaining = this.deadline - Date.now();
      if (remaining <= 0) throw lastError ?? ProtocolError.deadlineExceeded(`'${this.request.pattern}' ran out of time`);
      if (this.firstId !== undefined) this.tried ??= new Set([this.firstId]);
      let instance = picked ?? balancer.picker.pick(this.tried === undefined && this.isContextFree ? undefined : this);
      picked = undefined;
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

  /**
   * Starts an attempt; `resume` (undefined: the first attempt of `start`) is called once when
   * it ends, possibly before this returns.
   */
  private attemptWith(instance: ServiceInstance, timeoutMs: number, isCutByCaller: boolean, resume: AttemptResume | undefined): void {
    const balancer = this.balancer;
    const request = this.request;
    const slot = balancer.begin(instance);
    this.slot = slot;
    this.resume = resume;
    this.isAttemptCutByCaller = isCutByCaller;
    this.attemptId = -1;
    this.subscription = undefined;
    this.isAttemptCold = slot.successes + slot.failures === 0;
    this.attemptStartedAt = performance.now();
    // Undefined (nothing allocated) without an OpenTelemetry SDK: see attempt-tracing.ts.
    const span = startAttemptSpan(
      this.traceParent,
      balancer.service,
      slot.protocol,
      request.pattern,
      instance,
      ++this.attempts,
      request.isEvent,
    );
    this.span = span;
    const client = slot.client;
    if (request.isPlainSend && client.call !== undefined) {
      // The fast path: no Observable, no subscription; `onReply` runs as the reply is parsed.
      try {
        const headers = span === undefined ? request.headers : attemptHeaders(span, request.headers);
        const id = client.call(request.pattern, request.data, { timeoutMs, headers }, this.onReply);
        if (this.slot === slot) this.attemptId = id;
      } catch (error) {
        // NOTE: a client that throws (bad per-call options) still ends the attempt, booked.
        this.attemptFailed(error);
      }
      return;
    }
    let value: unknown;
    const source = span === undefined ? request.invoke(client, timeoutMs, request) : invokeInAttemptSpan(span, request, client, timeoutMs);
    const subscription = source.subscribe({
      next: (reply) => (value = reply),
      error: (error: unknown) => this.attemptFailed(error),
      complete: () => {
        if (this.slot === slot) this.settleAttempt('served', undefined, value);
      },
    });
    if (this.slot === slot) this.subscription = subscription;
  }

  private attemptFailed(raw: unknown): void {
    if (this.slot === undefined) return;
    const error = attemptError(raw, this.request.pattern);
    this.settleAttempt(endOf(error, this.isAttemptCutByCaller), error, undefined);
  }

  /** Stops the attempt in flight and ends it as the caller's doing. */
  private cancelAttempt(): void {
    const client = this.slot!.client;
    if (this.subscription !== undefined) this.subscription.unsubscribe();
    else if (this.attemptId >= 0) client.cancel?.(this.attemptId);
    if (this.slot !== undefined) this.settleAttempt('caller', cancelledError(this.request.pattern), undefined);
  }

  /** Books the end of the attempt in flight and resumes whoever waits for it. */
  private settleAttempt(end: AttemptEnd, error: ProtocolError | undefined, value: unknown): void {
    const slot = this.slot!;
    const span = this.span;
    const resume = this.resume;
    this.slot = undefined;
    this.span = undefined;
    this.resume = undefined;
    this.subscription = undefined;
    this.balancer.end(slot, end, performance.now() - this.attemptStartedAt, error, this.isAttemptCold);
    if (span !== undefined) endAttemptSpan(span, end, error);
    if (resume !== undefined) return resume(error, value);
    // The first attempt of `start`: a reply ends the call; a failure goes on in the retry loop.
    if (error === undefined) return this.finish(undefined, value);
    this.finishWith(this.loop(2, error, this.wasFirstWholeBudget));
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
