/**
 * One shared timer for every request deadline of the direct handler path, instead of a
 * timer per request: deadlines fall into slots of `tickMs`, and one interval, running
 * only while some deadline is pending, fires the slots that are due. A deadline fires at
 * most one tick (plus event-loop delay) after it passed, never before.
 * @internal
 */
export class DeadlineWheel {
  private readonly slots = new Map<number, Set<() => void>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly tickMs = 5) {}

  /** Calls `fire` once `deadline` (epoch ms) has passed, unless the returned cancel runs first. */
  add(deadline: number, fire: () => void): () => void {
    const slot = Math.ceil(deadline / this.tickMs);
    let due = this.slots.get(slot);
    if (!due) this.slots.set(slot, (due = new Set()));
    due.add(fire);
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), this.tickMs);
      this.timer.unref();
    }
    const slots = this.slots;
    const pending = due;
    return () => {
      pending.delete(fire);
      if (pending.size === 0 && slots.get(slot) === pending) slots.delete(slot);
    };
  }

  /** Deadlines pending (for tests). */
  get size(): number {
    let count = 0;
    for (const due of this.slots.values()) count += due.size;
    return count;
  }

  private tick(): void {
    const now = Math.floor(Date.now() / this.tickMs);
    for (const [slot, due] of this.slots) {
      if (slot > now) continue;
      this.slots.delete(slot);
      for (const fire of due) fire();
    }
    if (this.slots.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
