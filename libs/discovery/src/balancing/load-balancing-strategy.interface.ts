import type { ServiceInstance } from '../registry/service-instance.interface';

/**
 * Per-call input to {@link LoadBalancingStrategy.pick}.
 *
 * @publicApi
 */
export interface PickContext {
  /**
   * Affinity key (user id, session id, cache key). Only `consistent-hash` reads it; every
   * other strategy ignores it.
   */
  readonly hashKey?: string;
  /**
   * Ids of instances that must not be returned, typically the instances a call already
   * failed on when it is retried. Built-in strategies honour it themselves (consistent hash
   * walks on to the next instance on the ring); `InstancePicker` enforces it for any strategy.
   */
  readonly exclude?: ReadonlySet<string>;
  /**
   * Semver range the call is pinned to (the `x-orion-version-pin` header or the per-call
   * `version` option). Read by `VersionSplitPicker`, which picks only among instances in that
   * range; strategies ignore it.
   */
  readonly versionPin?: string;
}

/**
 * Why a call failed.
 * - `unavailable`: connection refused/reset, instance went away; safe to retry elsewhere
 * - `timeout`: no answer before the deadline
 * - `other`: any other transport-level failure
 *
 * @publicApi
 */
export type CallErrorKind = 'unavailable' | 'timeout' | 'other';

/**
 * What happened to one call, reported through {@link LoadBalancingStrategy.onResult}.
 *
 * NOTE: `ok: false` means the instance failed to serve the call. An application error the
 * instance answered properly (for example `INVALID_ARGUMENT`) is `ok: true`: the instance is
 * fine, and penalizing it would only move traffic for no reason.
 *
 * @publicApi
 */
export interface CallOutcome {
  readonly ok: boolean;
  /** Time from `onStart` to the answer (or the failure), milliseconds. */
  readonly latencyMs: number;
  readonly error?: CallErrorKind;
  /**
   * The call ended on the caller's side (cancelled, the caller's own deadline spent, a request
   * that could not be encoded): in-flight - 1, but no latency sample and no penalty, since it
   * says nothing about the instance.
   */
  readonly isCallerSide?: boolean;
  /**
   * The attempt started before the client had a connection to the instance (one of the first
   * calls of a new per-instance client), so `latencyMs` includes connection set-up (TCP or TLS
   * handshake, HTTP/2 or WebSocket upgrade, MQTT subscribe), and a failure may be the set-up's
   * (an attempt timeout shorter than a handshake on a loaded host). `p2c-ewma` takes no sample
   * from it. Unset: a result like any other.
   */
  readonly isColdStart?: boolean;
}

/**
 * A load-balancing policy: chooses one instance out of a list of instances that may all take
 * traffic. A strategy does no I/O, no health filtering and no retries; `InstancePicker` filters
 * and orders the candidates before it calls the strategy.
 *
 * Lifecycle, for every call the client makes:
 * 1. `pick(candidates, ctx)` chooses an instance (it may be called without a call following);
 * 2. `onStart(instance)` when the call is really sent to it;
 * 3. `onResult(instance, outcome)` exactly once per `onStart`, when the call ends.
 *
 * State such as in-flight counts and latency estimates is keyed by `instance.id`, so it
 * survives picker rebuilds and the fresh `ServiceInstance` objects every registry snapshot
 * brings. Structures derived from a candidate list (hash ring, weighted schedule) are built
 * once per list and cached by the list's identity: pass the same array object to `pick` until
 * membership changes.
 *
 * @publicApi
 */
export interface LoadBalancingStrategy {
  /** Stable name, used in logs and `stats()`. */
  readonly name: string;

  /**
   * Chooses one of `instances`, or `undefined` when the list is empty or every instance is in
   * `ctx.exclude`. Must be synchronous and cheap: it runs on every call.
   */
  pick(instances: readonly ServiceInstance[], ctx?: PickContext): ServiceInstance | undefined;

  /** A call was sent to `instance` (in-flight + 1). Optional. */
  onStart?(instance: ServiceInstance): void;

  /**
   * The call started with `onStart` ended (in-flight - 1) and took `outcome.latencyMs`.
   * Called once per `onStart`; a result for an unknown instance is ignored. Optional.
   */
  onResult?(instance: ServiceInstance, outcome: CallOutcome): void;

  /**
   * Membership changed; `instances` is the full new registry snapshot (every status). Called
   * by `InstancePicker.from` before the first `pick` on the new candidates. Strategies drop
   * per-instance state of ids that are gone. Optional.
   */
  onMembershipChange?(instances: readonly ServiceInstance[]): void;
}
