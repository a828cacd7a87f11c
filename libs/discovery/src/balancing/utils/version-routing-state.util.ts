import type { Range } from 'semver';
import type { ServiceInstance } from '../../registry/service-instance.interface';
import type { InstancePicker } from '../instance-picker';
import type { CallOutcome, LoadBalancingStrategy } from '../load-balancing-strategy.interface';
import { parseVersionRange, type VersionSplitEntry } from './version-range.util';

/** Distinct pinned ranges a client keeps a strategy for; the oldest is dropped beyond this. */
const MAX_PIN_RANGES = 16;

/** A pinned range: its strategy and its picker, built once per snapshot on first use. */
export interface PinLane {
  readonly range: Range;
  readonly strategy: LoadBalancingStrategy;
  picker?: InstancePicker;
  /** The snapshot (`VersionSplitPicker`) `picker` was built for. */
  builtFor?: object;
}

/**
 * The mutable side of version routing, shared by the successive immutable pickers of one
 * client, as a strategy's state is: the strategy of each split subset and of each pinned
 * range (so in-flight counts and latency estimates survive rebuilds), the split's smooth
 * weighted round robin, the picks per subset, and which strategies hear about which instance.
 *
 * @internal
 */
export class VersionRoutingState {
  readonly range: Range | undefined;
  readonly split: readonly VersionSplitEntry[];
  readonly splitRanges: readonly Range[];
  /** Picks per split subset (cumulative). */
  readonly picks: number[];
  /** Set when one strategy object serves every lane (a custom strategy instance). */
  readonly shared: LoadBalancingStrategy | undefined;
  private readonly factory: (() => LoadBalancingStrategy) | undefined;
  private readonly laneStrategies: LoadBalancingStrategy[] = [];
  private readonly pins = new Map<string, PinLane | null>();
  /** Smooth weighted round robin over subsets: nginx's `current` per subset. */
  private readonly current: Float64Array;
  private usableKey = '';
  /** Strategies that get `onStart`/`onResult`, and the instance ids each of them serves. */
  private readonly recipients: LoadBalancingStrategy[] = [];
  private readonly recipientIds: ReadonlySet<string>[] = [];
  /** The strategy that hears about every call when there is only one (shared, or a single lane): no lookup. */
  private sole: LoadBalancingStrategy | undefined;

  constructor(
    strategy: LoadBalancingStrategy | (() => LoadBalancingStrategy),
    version: string | undefined,
    split: readonly VersionSplitEntry[],
  ) {
    this.range = version === undefined ? undefined : parseVersionRange(version);
    this.split = Object.freeze(split.map(({ version, weight }) => Object.freeze({ version, weight })));
    this.splitRanges = this.split.map(({ version }) => parseVersionRange(version)!);
    this.picks = this.split.map(() => 0);
    this.current = new Float64Array(this.split.length);
    if (typeof strategy === 'function') this.factory = strategy;
    else this.sole = this.shared = strategy;
  }

  /**
   * The strategy of lane `i` (split subset `i`, or the one lane without a split), created
   * once. Without a split a shared strategy serves its lane itself, as it would without
   * version routing.
   */
  laneStrategy(i: number): LoadBalancingStrategy {
    if (this.shared !== undefined && this.split.length === 0) return this.shared;
    return (this.laneStrategies[i] ??= this.newStrategy());
  }

  /** The lane of a pinned range, or `undefined` when `range` is not a semver range. */
  pinLane(range: string): PinLane | undefined {
    let lane = this.pins.get(range);
    if (lane === undefined) {
      const parsed = parseVersionRange(range);
      lane = parsed === undefined ? null : { range: parsed, strategy: this.newStrategy() };
      if (this.pins.size >= MAX_PIN_RANGES) this.dropOldestPin();
      this.pins.set(range, lane);
    }
    return lane ?? undefined;
  }

  /** `strategy` now serves `instances`: it hears about calls to them (and only them). */
  serve(strategy: LoadBalancingStrategy, instances: readonly ServiceInstance[]): void {
    if (this.shared !== undefined) return;
    const ids = new Set(instances.map(({ id }) => id));
    const i = this.recipients.indexOf(strategy);
    if (i >= 0) this.recipientIds[i] = ids;
    else {
      this.recipients.push(strategy);
      this.recipientIds.push(ids);
    }
    this.sole = this.recipients.length === 1 ? this.recipients[0] : undefined;
  }

  /** Starts the split's cycle over when the set of usable subsets changed. */
  useSubsets(usable: Uint8Array): void {
    const key = usable.join('');
    if (key === this.usableKey) return;
    this.usableKey = key;
    this.current.fill(0);
  }

  /**
   * The next subset of the split by smooth weighted round robin over the usable ones (nginx:
   * add each weight, take the largest, the first on a tie, subtract the total): over a cycle
   * of Σw picks (integer weights) each subset gets exactly its weight, interleaved. -1 when
   * none is usable. O(subsets), allocates nothing.
   */
  nextSubset(usable: Uint8Array): number {
    const current = this.current;
    let best = -1;
    let total = 0;
    for (let i = 0; i < usable.length; i++) {
      if (usable[i] === 0) continue;
      const weight = this.split[i].weight;
      current[i] += weight;
      total += weight;
      if (best < 0 || current[i] > current[best]) best = i;
    }
    if (best >= 0) current[best] -= total;
    return best;
  }

  recordStart(instance: ServiceInstance): void {
    const sole = this.sole;
    if (sole !== undefined) return sole.onStart?.(instance);
    const recipients = this.recipients;
    for (let i = 0; i < recipients.length; i++) if (this.recipientIds[i].has(instance.id)) recipients[i].onStart?.(instance);
  }

  recordResult(instance: ServiceInstance, outcome: CallOutcome): void {
    const sole = this.sole;
    if (sole !== undefined) return sole.onResult?.(instance, outcome);
    const recipients = this.recipients;
    for (let i = 0; i < recipients.length; i++) if (this.recipientIds[i].has(instance.id)) recipients[i].onResult?.(instance, outcome);
  }

  /**
   * A fresh strategy from the factory; with a shared instance, a view of it without
   * `onMembershipChange` (each lane would otherwise tell it that only its own instances are
   * left; the picker tells it the whole snapshot once) and without `onStart`/`onResult`
   * (delivered once, by `recordStart`/`recordResult`).
   */
  private newStrategy(): LoadBalancingStrategy {
    if (this.factory !== undefined) return this.factory();
    const shared = this.shared!;
    return { name: shared.name, pick: (instances, ctx) => shared.pick(instances, ctx) };
  }

  private dropOldestPin(): void {
    const [oldest, lane] = this.pins.entries().next().value!;
    this.pins.delete(oldest);
    const i = lane === null ? -1 : this.recipients.indexOf(lane.strategy);
    if (i >= 0) {
      this.recipients.splice(i, 1);
      this.recipientIds.splice(i, 1);
      this.sole = this.recipients.length === 1 ? this.recipients[0] : undefined;
    }
  }
}
