import type { InstanceCallStats } from './balanced-client-stats.interface';

const LATENCY_EWMA_ALPHA = 0.2;

interface Counters {
  inFlight: number;
  latencyEwmaMs: number;
  successes: number;
  failures: number;
  picks: number;
}

/** Counters behind `BalancedClientProxy.stats()`. */
export class CallCounters {
  private readonly perInstance = new Map<string, Counters>();
  private requests = 0;
  private retries = 0;
  private exhausted = 0;

  request(): void {
    this.requests++;
  }

  retry(): void {
    this.retries++;
  }

  budgetExhausted(): void {
    this.exhausted++;
  }

  start(id: string): void {
    const counters = this.of(id);
    counters.inFlight++;
    counters.picks++;
  }

  finish(id: string, latencyMs: number, isSuccess: boolean): void {
    const counters = this.of(id);
    counters.inFlight--;
    counters.latencyEwmaMs =
      counters.latencyEwmaMs === 0 ? latencyMs : counters.latencyEwmaMs + LATENCY_EWMA_ALPHA * (latencyMs - counters.latencyEwmaMs);
    if (isSuccess) counters.successes++;
    else counters.failures++;
  }

  snapshot(id: string, isEjected: boolean, ejections: number): InstanceCallStats {
    const counters = this.of(id);
    return { id, ...counters, latencyEwmaMs: Math.round(counters.latencyEwmaMs * 100) / 100, isEjected, ejections };
  }

  totals(): { requests: number; retries: number; budgetExhausted: number } {
    return { requests: this.requests, retries: this.retries, budgetExhausted: this.exhausted };
  }

  retain(ids: ReadonlySet<string>): void {
    for (const id of this.perInstance.keys()) if (!ids.has(id)) this.perInstance.delete(id);
  }

  private of(id: string): Counters {
    let counters = this.perInstance.get(id);
    if (!counters) this.perInstance.set(id, (counters = { inFlight: 0, latencyEwmaMs: 0, successes: 0, failures: 0, picks: 0 }));
    return counters;
  }
}
