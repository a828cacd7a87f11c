import type { ServiceInstance } from '../../registry/service-instance.interface';
import { WEIGHTED_MAX_SCHEDULE_LENGTH, WEIGHTED_MAX_SCHEDULE_WORK } from '../balancing.constants';

/** Instances of one weight, in list order, and how many picks the class has had this cycle. */
interface WeightClass {
  readonly weight: number;
  readonly members: Int32Array;
  picks: number;
}

/**
 * nginx smooth weighted round robin over one candidate list, without its O(n) step.
 *
 * nginx keeps `current[i]`; before the pick at step t it equals `t·w[i] − W·k[i]` (W = total
 * weight, k[i] = picks of i so far), and the largest wins, the first in list order on a tie.
 * Among instances of equal weight that means the fewest picks, then list order: each weight
 * class is plain round robin, and a step only compares the head of each class, O(distinct
 * weights). A whole cycle (Σw / gcd picks, after which every `current` is 0 again) is
 * precomputed when short enough, making a pick O(1).
 *
 * @internal
 */
export class SmoothWeightedCycle {
  private readonly classes: WeightClass[];
  private readonly total: number;
  /** Picks per cycle; Infinity when weights are not integers (no exact period). */
  private readonly length: number;
  private readonly schedule: Int32Array | undefined;
  private step = 0;
  private cursor = 0;
  /** The class of the instance `best` returned last. */
  private bestClass = 0;

  constructor(private readonly instances: readonly ServiceInstance[]) {
    // NOTE: a missing weight means the default, 1; zero or less means no traffic, unless all are.
    const raw = instances.map(({ weight }) => (Number.isFinite(weight) ? Math.max(0, weight) : 1));
    const weights = raw.some((w) => w > 0) ? raw : raw.map(() => 1);
    const byWeight = new Map<number, number[]>();
    weights.forEach((w, i) => w > 0 && (byWeight.get(w) ?? byWeight.set(w, []).get(w)!).push(i));
    this.classes = [...byWeight].map(([weight, members]) => ({
      weight,
      members: Int32Array.from(members),
      picks: 0,
    }));
    this.total = weights.reduce((sum, w) => sum + w, 0);
    this.length = weights.every(Number.isInteger) ? this.total / weights.reduce(gcd) : Infinity;
    const isShort = this.length <= WEIGHTED_MAX_SCHEDULE_LENGTH && this.length * this.classes.length <= WEIGHTED_MAX_SCHEDULE_WORK;
    this.schedule = isShort ? new Int32Array(this.length) : undefined;
    // NOTE: one full cycle brings every class back to 0 picks, so state is clean afterwards.
    for (let i = 0; i < (this.schedule?.length ?? 0); i++) this.schedule![i] = this.advance();
  }

  /** Index of the next instance in the sequence. */
  next(): number {
    const schedule = this.schedule;
    if (schedule === undefined) return this.advance();
    const i = schedule[this.cursor];
    this.cursor = this.cursor + 1 === schedule.length ? 0 : this.cursor + 1;
    return i;
  }

  /**
   * Index of the next instance not in `exclude`, or -1. With a schedule it moves on past the
   * instance returned; without one it does not move (the rest of the sequence is unchanged).
   */
  nextAllowed(exclude: ReadonlySet<string>): number {
    const schedule = this.schedule;
    if (schedule === undefined) return this.best(exclude);
    for (let s = 0; s < schedule.length; s++) {
      const at = (this.cursor + s) % schedule.length;
      if (exclude.has(this.instances[schedule[at]].id)) continue;
      this.cursor = (at + 1) % schedule.length;
      return schedule[at];
    }
    return -1;
  }

  private advance(): number {
    const member = this.best(undefined);
    this.classes[this.bestClass].picks++;
    if (++this.step === this.length) {
      this.step = 0;
      for (const c of this.classes) c.picks = 0;
    }
    return member;
  }

  /** The instance with the largest `current` at the next step, skipping excluded ones. */
  private best(exclude: ReadonlySet<string> | undefined): number {
    const t = this.step + 1;
    let best = -1;
    let bestValue = -Infinity;
    for (let c = 0; c < this.classes.length; c++) {
      const { weight, members, picks } = this.classes[c];
      // NOTE: skipping excluded members: the one `s` places on has had floor(p / size) picks.
      for (let s = 0; s < members.length; s++) {
        const member = members[(picks + s) % members.length];
        if (exclude?.has(this.instances[member].id)) continue;
        const value = t * weight - this.total * Math.floor((picks + s) / members.length);
        if (value > bestValue || (value === bestValue && member < best)) {
          best = member;
          bestValue = value;
          this.bestClass = c;
        }
        break;
      }
    }
    return best;
  }
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
