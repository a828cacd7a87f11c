import type { InstanceStatus, ServiceInstance } from '../registry/service-instance.interface';
import { INSTANCE_PICKER_DEFAULT_PANIC_THRESHOLD_PERCENT } from './balancing.constants';
import { InstancePicker, type InstancePickerOptions } from './instance-picker';
import type { CallOutcome, LoadBalancingStrategy, PickContext } from './load-balancing-strategy.interface';
import { assertVersionRouting, isVersionInRange, type VersionRoutingOptions } from './utils/version-range.util';
import { VersionRoutingState } from './utils/version-routing-state.util';

/** @publicApi */
export interface VersionSplitPickerOptions extends InstancePickerOptions, VersionRoutingOptions {}

/**
 * One subset of a version split, as `stats().versions` shows it.
 *
 * @publicApi
 */
export interface VersionSubsetStats {
  /** The subset's range, as configured. */
  version: string;
  weight: number;
  /** Instances of the subset that take traffic now (0: the subset is skipped). */
  instances: number;
  /** Picks the split gave this subset (pinned calls not included). */
  picks: number;
}

const SERVING: ReadonlySet<InstanceStatus> = new Set<InstanceStatus>(['passing', 'warning']);

/**
 * Version-aware picking over one membership snapshot: the version filter, the weighted split
 * and per-call pins, in front of one {@link InstancePicker} per lane.
 *
 * - `version` (a semver range): only instances whose version satisfies it are candidates; an
 *   instance with no or an invalid version never matches a range.
 * - `versionSplit`: each instance belongs to the first entry whose range it satisfies (none:
 *   it gets no split traffic). A call picks a subset by smooth weighted round robin over the
 *   subsets that have an instance taking traffic (exact shares, interleaved; an empty subset
 *   is skipped and its share goes to the others), then that subset's picker and strategy
 *   pick inside it. Health and panic are judged over the whole (filtered) fleet, so one
 *   critical canary is left out, not "panicked" into traffic.
 * - `ctx.versionPin`: the call bypasses the split and goes to an instance (of the filtered
 *   fleet) whose version is in that range, or to none (`undefined`, never a fallback).
 *
 * Like `InstancePicker` it is immutable: rebuilt per membership change, the lanes' pickers
 * are built then (a pinned range's on its first call), and a pick costs what the strategy
 * costs plus O(subsets). Each lane has its own strategy from the factory, kept across
 * rebuilds; a strategy object given instead of a factory is shared by every lane (it must
 * then cache per list identity, as the strategy contract says), told the whole snapshot once.
 *
 * @publicApi
 */
export class VersionSplitPicker {
  /** The deduplicated snapshot this picker was built from (every status, every version). */
  readonly instances: readonly ServiceInstance[];
  /**
   * Instances that take traffic (what `broadcast` reaches): the one lane's candidates, or with
   * a split every instance of the filtered fleet taking traffic, in a subset or not.
   */
  readonly candidates: readonly ServiceInstance[];
  /** True when too few of the filtered instances are healthy and all non-draining ones take traffic. */
  readonly isPanicking: boolean;
  private readonly matching: readonly ServiceInstance[];
  private readonly lanes: readonly InstancePicker[];
  /** The one lane without a split (the plain path: one more call than `InstancePicker`). */
  private readonly single: InstancePicker | undefined;
  /** Per split subset: 1 when it has an instance taking traffic and a weight above 0. */
  private readonly usable: Uint8Array;
  private readonly laneOptions: Readonly<InstancePickerOptions>;

  private constructor(
    instances: readonly ServiceInstance[],
    private readonly state: VersionRoutingState,
    readonly options: Readonly<VersionSplitPickerOptions>,
  ) {
    const unique = new Map<string, ServiceInstance>();
    for (const instance of instances) if (!unique.has(instance.id)) unique.set(instance.id, instance);
    this.instances = Object.freeze([...unique.values()]);
    const range = state.range;
    this.matching = range === undefined ? this.instances : Object.freeze(this.instances.filter((i) => isVersionInRange(i.version, range)));
    this.isPanicking = isPanicking(this.matching, options.panicThresholdPercent);
    // NOTE: lanes below the fleet judge no panic of their own: threshold 100 panics a lane
    // exactly when it has an unhealthy active instance, 0 never does.
    this.laneOptions = Object.freeze({ ...pickerOptionsOf(options), panicThresholdPercent: this.isPanicking ? 100 : 0 });
    const split = state.split;
    if (split.length === 0) {
      this.single = this.lane(0, this.matching, pickerOptionsOf(options));
      this.lanes = [this.single];
      this.usable = new Uint8Array(0);
      this.candidates = this.single.candidates;
      return;
    }
    state.shared?.onMembershipChange?.(this.matching);
    const members: ServiceInstance[][] = split.map(() => []);
    for (const instance of this.matching) {
      const i = state.splitRanges.findIndex((r) => isVersionInRange(instance.version, r));
      if (i >= 0) members[i].push(instance);
    }
    this.lanes = members.map((list, i) => this.lane(i, Object.freeze(list), this.laneOptions));
    this.usable = Uint8Array.from(this.lanes, (lane, i) => (lane.candidates.length > 0 && split[i].weight > 0 ? 1 : 0));
    state.useSubsets(this.usable);
    const isAnyActive = this.isPanicking;
    this.candidates = Object.freeze(this.matching.filter(({ status }) => (isAnyActive ? status !== 'draining' : SERVING.has(status))));
  }

  /**
   * Builds a picker over `instances`. `strategy`: a factory (one fresh strategy per lane) or
   * one strategy object shared by every lane.
   *
   * @throws InvalidVersionRoutingError for a `version` or `versionSplit` that is not usable.
   */
  static from(
    instances: readonly ServiceInstance[],
    strategy: LoadBalancingStrategy | (() => LoadBalancingStrategy),
    options: VersionSplitPickerOptions = {},
  ): VersionSplitPicker {
    assertVersionRouting(options, 'VersionSplitPicker');
    const state = new VersionRoutingState(strategy, options.version, options.versionSplit ?? []);
    return new VersionSplitPicker(instances, state, Object.freeze({ ...options }));
  }

  /** A picker over a new snapshot, with the same strategies, split position and options. */
  rebuild(instances: readonly ServiceInstance[]): VersionSplitPicker {
    return new VersionSplitPicker(instances, this.state, this.options);
  }

  /** The strategy of the first lane (every lane's is of the same kind). */
  get strategy(): LoadBalancingStrategy {
    return this.state.shared ?? this.state.laneStrategy(0);
  }

  /** Chooses an instance for one call (pinned when `ctx.versionPin` is set), or `undefined`. */
  pick(ctx?: PickContext): ServiceInstance | undefined {
    if (ctx !== undefined && ctx.versionPin !== undefined) return this.pickPinned(ctx.versionPin, ctx);
    const single = this.single;
    if (single !== undefined) return single.pick(ctx);
    const lanes = this.lanes;
    const usable = this.usable;
    const chosen = this.state.nextSubset(usable);
    if (chosen < 0) return undefined;
    let picked = lanes[chosen].pick(ctx);
    let subset = chosen;
    // NOTE: only a retry gets here with `chosen` empty (all of it excluded): next subsets in order.
    for (let i = 0; picked === undefined && i < lanes.length; i++) {
      if (i === chosen || usable[i] === 0) continue;
      picked = lanes[i].pick(ctx);
      subset = i;
    }
    if (picked !== undefined) this.state.picks[subset]++;
    return picked;
  }

  /** True when `range` is a semver range a call can be pinned to. */
  isPinnable(range: string): boolean {
    return this.state.pinLane(range) !== undefined;
  }

  /** Reports that a call was sent to `instance`, to every strategy whose lane holds it. */
  recordStart(instance: ServiceInstance): void {
    this.state.recordStart(instance);
  }

  /** Reports how the call sent to `instance` ended, to every strategy whose lane holds it. */
  recordResult(instance: ServiceInstance, outcome: CallOutcome): void {
    this.state.recordResult(instance, outcome);
  }

  /** One entry per split subset, in option order; `undefined` without a split. */
  subsets(): VersionSubsetStats[] | undefined {
    const { split, picks } = this.state;
    if (split.length === 0) return undefined;
    return split.map(({ version, weight }, i) => ({ version, weight, instances: this.lanes[i].candidates.length, picks: picks[i] }));
  }

  private pickPinned(range: string, ctx: PickContext | undefined): ServiceInstance | undefined {
    const lane = this.state.pinLane(range);
    if (lane === undefined) return undefined;
    if (lane.builtFor !== this) {
      const members = Object.freeze(this.matching.filter((instance) => isVersionInRange(instance.version, lane.range)));
      lane.picker = InstancePicker.from(members, lane.strategy, this.laneOptions);
      lane.builtFor = this;
      this.state.serve(lane.strategy, members);
    }
    return lane.picker!.pick(ctx);
  }

  private lane(i: number, members: readonly ServiceInstance[], options: InstancePickerOptions): InstancePicker {
    const strategy = this.state.laneStrategy(i);
    this.state.serve(strategy, members);
    return InstancePicker.from(members, strategy, options);
  }
}

function pickerOptionsOf({ zone, minZoneInstances, panicThresholdPercent }: VersionSplitPickerOptions): InstancePickerOptions {
  return { zone, minZoneInstances, panicThresholdPercent };
}

/** `InstancePicker`'s panic rule, over a whole fleet. */
function isPanicking(instances: readonly ServiceInstance[], thresholdPercent: number | undefined): boolean {
  let active = 0;
  let healthy = 0;
  for (const { status } of instances) {
    if (status !== 'draining') active++;
    if (SERVING.has(status)) healthy++;
  }
  return healthy * 100 < (thresholdPercent ?? INSTANCE_PICKER_DEFAULT_PANIC_THRESHOLD_PERCENT) * active;
}
