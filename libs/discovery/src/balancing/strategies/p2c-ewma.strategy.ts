import type { ServiceInstance } from '../../registry/service-instance.interface';
import * as defaults from '../balancing.constants';
import type { CallOutcome, LoadBalancingStrategy, PickContext } from '../load-balancing-strategy.interface';
import { nextAllowedIndex, randomIndex } from '../utils/allowed-index.util';
import { IntegerRandom } from '../utils/integer-random.util';
import { PeakEwmaTable } from '../utils/peak-ewma.util';

/** @publicApi */
export interface P2cEwmaStrategyOptions {
  /** Uniform source in [0, 1), for seeded tests. Default: an integer xorshift32 seeded from `Math.random`. */
  random?: () => number;
  /** Monotonic clock, ms. Default `performance.now`. */
  now?: () => number;
  /** Decay time constant (tau) of the latency estimate, ms. Default 10 000. */
  decayMs?: number;
  /**
   * Time constant (ms) with which answers faster than the estimate bring it down: a spike on a
   * fast instance is forgotten this fast (and halves with each faster answer), a slow instance
   * only by `decayMs`. Default `decayMs / 10`.
   */
  recoveryMs?: number;
  /** Latency sample (ms) a failed call counts as, at least. Default 5 × estimate, in [1 ms, 60 s]. */
  failurePenaltyMs?: number;
}

/** Slots of one candidate list, by position, valid while the table's generation is `generation`. */
interface Positions {
  generation: number;
  readonly slots: Int32Array;
}

/**
 * Power of two choices over peak-EWMA latency (Finagle, Linkerd): draws two distinct random
 * candidates and takes the cheaper, cost = latency estimate × (in-flight + 1). Failures count
 * as slow samples, so an instance that fails fast repels traffic instead of attracting it. A
 * new instance starts at the median estimate of the known ones (or unmeasured, with one probe
 * at a time, when none is known); a call that waited for the connection to be set up
 * (`CallOutcome.isColdStart`) is no sample. O(1) per pick and allocation-free: estimates live in typed
 * arrays (`PeakEwmaTable`), read by candidate position through a per-list index built once
 * per membership change; the default generator is an integer xorshift; and a pick reads no
 * clock (it decays estimates to the time of the last answer: the clock is read once per
 * call, when the answer is recorded).
 *
 * @publicApi
 */
export class P2cEwmaStrategy implements LoadBalancingStrategy {
  readonly name = 'p2c-ewma';
  private readonly table: PeakEwmaTable;
  private readonly positions = new WeakMap<readonly ServiceInstance[], Positions>();
  /** The list of the last pick and its positions: a pick on the same list skips the WeakMap lookup. */
  private lastList: readonly ServiceInstance[] | undefined;
  private lastPositions: Positions | undefined;
  private readonly random: (() => number) | undefined;
  private readonly now: () => number;
  private readonly integers = new IntegerRandom();
  private neutralMs = 0;

  constructor(private readonly options: P2cEwmaStrategyOptions = {}) {
    this.random = options.random;
    this.now = options.now ?? (() => performance.now());
    const decayMs = options.decayMs ?? defaults.P2C_EWMA_DEFAULT_DECAY_MS;
    this.table = new PeakEwmaTable(decayMs, options.recoveryMs ?? decayMs / defaults.P2C_EWMA_RECOVERY_DIVISOR);
    this.table.setPickTime(this.now());
  }

  pick(instances: readonly ServiceInstance[], ctx?: PickContext): ServiceInstance | undefined {
    const n = instances.length;
    const exclude = ctx?.exclude;
    const a = n === 0 ? -1 : nextAllowedIndex(instances, this.draw(n), exclude);
    if (a < 0 || n === 1) return instances[a];
    // NOTE: the second draw skips `a`, so the two candidates are distinct whenever two are allowed.
    let b = nextAllowedIndex(instances, a + 1 + this.draw(n - 1), exclude);
    if (b === a) b = nextAllowedIndex(instances, a + 1, exclude);
    const slots = this.slotsOf(instances);
    return this.table.isCheaper(slots[b], slots[a]) ? instances[b] : instances[a];
  }

  onStart(instance: ServiceInstance): void {
    let slot = this.table.slotOf(instance.id);
    if (slot < 0) slot = this.table.ensure(instance.id, this.neutralMs, this.now());
    this.table.addInFlight(slot, 1);
  }

  onResult(instance: ServiceInstance, { ok, latencyMs, isCallerSide, isColdStart }: CallOutcome): void {
    const slot = this.table.slotOf(instance.id);
    if (slot < 0) return;
    this.table.addInFlight(slot, -1);
    // NOTE: a call that waited for the connection to be set up tells nothing of the instance's
    // latency (a first connection under load took 200-600 ms against 10-50 ms per call), nor,
    // when it failed, more than the calls that waited with it and the next call will: the
    // instance keeps its estimate (the neutral one when it joined), or stays unmeasured and is
    // probed again. The outlier detector still counts its failures.
    if (isCallerSide === true || isColdStart === true) return;
    const now = this.now();
    this.table.setPickTime(now);
    const current = Math.max(this.table.valueAt(slot, now), this.neutralMs, 1);
    const penalty =
      this.options.failurePenaltyMs ??
      Math.min(defaults.P2C_EWMA_FAILURE_PENALTY_FACTOR * current, defaults.P2C_EWMA_MAX_FAILURE_PENALTY_MS);
    this.table.observe(slot, ok ? latencyMs : Math.max(latencyMs, penalty), now);
    // NOTE: at a cold start the first answer is the neutral estimate (until the next membership
    // change): an instance whose connection is still being set up then gets calls that wait on it
    // instead of none (one probe at a time left it 0-1 of 60 calls when its WebSocket opened
    // after the burst's first 40 ms).
    if (ok && this.neutralMs === 0) {
      this.neutralMs = this.table.valueAt(slot, now);
      this.table.setNeutral(this.neutralMs);
    }
  }

  onMembershipChange(instances: readonly ServiceInstance[]): void {
    this.table.retain(new Set(instances.map((instance) => instance.id)));
    const now = this.now();
    this.table.setPickTime(now);
    const known = this.table.measuredValues(now);
    this.neutralMs = known.length === 0 ? 0 : known.sort((x, y) => x - y)[known.length >> 1];
    this.table.setNeutral(this.neutralMs);
  }

  /** A uniform index in [0, n). */
  private draw(n: number): number {
    return this.random === undefined ? this.integers.below(n) : randomIndex(this.random, n);
  }

  /** Table slots of `instances` by position (-1: never started), rebuilt when slots changed. */
  private slotsOf(instances: readonly ServiceInstance[]): Int32Array {
    const last = this.lastPositions;
    if (instances === this.lastList && last !== undefined && last.generation === this.table.generation) return last.slots;
    const cached = this.positions.get(instances);
    let positions = cached;
    if (positions === undefined || positions.generation !== this.table.generation) {
      const slots = cached?.slots.length === instances.length ? cached.slots : new Int32Array(instances.length);
      for (let i = 0; i < instances.length; i++) slots[i] = this.table.slotOf(instances[i].id);
      positions = { generation: this.table.generation, slots };
      this.positions.set(instances, positions);
    }
    this.lastList = instances;
    this.lastPositions = positions;
    return positions.slots;
  }
}
