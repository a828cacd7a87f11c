import type { InstanceStatus, ServiceInstance } from '../registry/service-instance.interface';
import { INSTANCE_PICKER_DEFAULT_MIN_ZONE_INSTANCES, INSTANCE_PICKER_DEFAULT_PANIC_THRESHOLD_PERCENT } from './balancing.constants';
import type { CallOutcome, LoadBalancingStrategy, PickContext } from './load-balancing-strategy.interface';

/** @publicApi */
export interface InstancePickerOptions {
  /** The caller's zone. When set, healthy instances in this zone are preferred. */
  zone?: string;
  /** Zone preference applies only with at least this many healthy instances in `zone`. Default 2. */
  minZoneInstances?: number;
  /**
   * When fewer than this percentage of the non-draining instances are healthy, the picker
   * "panics" and balances over every non-draining instance (Envoy's panic threshold): better
   * to try instances whose health is unknown or bad than to overload the few healthy ones.
   * 0 disables panic mode. Default 50.
   */
  panicThresholdPercent?: number;
}

/** Statuses that take traffic normally. `starting`, `critical` and `draining` do not. */
const SERVING: ReadonlySet<InstanceStatus> = new Set<InstanceStatus>(['passing', 'warning']);

type CandidateList = readonly ServiceInstance[];

/**
 * An immutable view of one membership snapshot that picks an instance per call.
 *
 * Built once per membership change with {@link InstancePicker.from} (or {@link rebuild}); the
 * candidate lists are computed then, so `pick` is synchronous, allocates nothing (unless a
 * custom strategy ignores `exclude`) and costs what the strategy costs: O(1) or O(log n).
 *
 * Candidates, in order of preference (the next list is tried only when the strategy finds
 * nothing in the previous one, i.e. when `ctx.exclude` rules out all of it):
 * 1. healthy (`passing`/`warning`) instances in the caller's zone, when there are at least
 *    `minZoneInstances` of them;
 * 2. all healthy instances;
 * in panic mode instead: every instance that is not `draining`.
 *
 * The strategy object is shared by successive pickers, so its state (in-flight counts,
 * latency estimates, keyed by instance id) survives rebuilds.
 *
 * @publicApi
 */
export class InstancePicker {
  /** The deduplicated snapshot this picker was built from (every status). */
  readonly instances: readonly ServiceInstance[];
  /** The instances a call goes to when nothing is excluded. */
  readonly candidates: readonly ServiceInstance[];
  /** True when too few instances are healthy and all non-draining ones take traffic. */
  readonly isPanicking: boolean;
  /** True when the caller's zone has enough healthy instances to be preferred. */
  readonly isZonePreferred: boolean;
  private readonly tiers: readonly CandidateList[];

  private constructor(
    instances: readonly ServiceInstance[],
    readonly strategy: LoadBalancingStrategy,
    readonly options: Readonly<InstancePickerOptions>,
  ) {
    this.instances = instances;
    const active = Object.freeze(instances.filter((instance) => instance.status !== 'draining'));
    const healthy = Object.freeze(instances.filter((instance) => SERVING.has(instance.status)));
    const threshold = options.panicThresholdPercent ?? INSTANCE_PICKER_DEFAULT_PANIC_THRESHOLD_PERCENT;
    this.isPanicking = healthy.length * 100 < threshold * active.length;
    const local = Object.freeze(healthy.filter((instance) => instance.zone === options.zone));
    const minLocal = Math.max(1, options.minZoneInstances ?? INSTANCE_PICKER_DEFAULT_MIN_ZONE_INSTANCES);
    this.isZonePreferred = !this.isPanicking && options.zone !== undefined && local.length >= minLocal && local.length < healthy.length;
    this.tiers = Object.freeze(this.isPanicking ? [active] : this.isZonePreferred ? [local, healthy] : [healthy]);
    this.candidates = this.tiers[0];
  }

  /**
   * Builds a picker over `instances` (a registry snapshot, any statuses; a repeated id keeps
   * its first entry) and tells `strategy` about the new membership.
   */
  static from(instances: readonly ServiceInstance[], strategy: LoadBalancingStrategy, options: InstancePickerOptions = {}): InstancePicker {
    const unique = new Map<string, ServiceInstance>();
    for (const instance of instances) if (!unique.has(instance.id)) unique.set(instance.id, instance);
    const members = Object.freeze([...unique.values()]);
    strategy.onMembershipChange?.(members);
    return new InstancePicker(members, strategy, Object.freeze({ ...options }));
  }

  /** A picker over a new snapshot, with the same strategy (and its state) and options. */
  rebuild(instances: readonly ServiceInstance[]): InstancePicker {
    return InstancePicker.from(instances, this.strategy, this.options);
  }

  /** Chooses an instance for one call, or `undefined` when no candidate is left. */
  pick(ctx?: PickContext): ServiceInstance | undefined {
    const tiers = this.tiers;
    for (let t = 0; t < tiers.length; t++) {
      const picked = this.pickFrom(tiers[t], ctx);
      if (picked !== undefined) return picked;
    }
    return undefined;
  }

  /** Reports that a call was sent to `instance` (forwards to `strategy.onStart`). */
  recordStart(instance: ServiceInstance): void {
    this.strategy.onStart?.(instance);
  }

  /** Reports how the call sent to `instance` ended (forwards to `strategy.onResult`). */
  recordResult(instance: ServiceInstance, outcome: CallOutcome): void {
    this.strategy.onResult?.(instance, outcome);
  }

  private pickFrom(list: CandidateList, ctx: PickContext | undefined): ServiceInstance | undefined {
    if (list.length === 0) return undefined;
    const picked = this.strategy.pick(list, ctx);
    const exclude = ctx?.exclude;
    if (picked === undefined || exclude === undefined || !exclude.has(picked.id)) return picked;
    // NOTE: only a custom strategy that ignores `exclude` gets here: ask again over a filtered
    // copy (this path allocates, and a strategy caching per list sees a new list).
    const allowed = list.filter((instance) => !exclude.has(instance.id));
    const again = allowed.length === 0 ? undefined : this.strategy.pick(allowed, ctx);
    return again !== undefined && !exclude.has(again.id) ? again : undefined;
  }
}
