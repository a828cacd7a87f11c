import type { OutlierDetectionOptions } from './balanced-client.options';

interface InstanceRecord {
  consecutiveFailures: number;
  ejections: number;
  ejectedUntil: number;
}

/**
 * Consecutive-failure outlier ejection (Envoy style): an instance failing
 * `consecutiveFailures` times in a row is ejected for `baseEjectionMs × ejections`
 * (capped), never more than `maxEjectedPercent` of the instances at once.
 *
 * @publicApi
 */
export class OutlierDetector {
  private readonly records = new Map<string, InstanceRecord>();
  private readonly threshold: number;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly maxPercent: number;

  constructor(
    options: OutlierDetectionOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.threshold = options.consecutiveFailures ?? 5;
    this.baseMs = options.baseEjectionMs ?? 10_000;
    this.maxMs = options.maxEjectionMs ?? 300_000;
    this.maxPercent = options.maxEjectedPercent ?? 50;
  }

  /** Records a success; resets the failure streak. */
  success(id: string): void {
    const record = this.records.get(id);
    if (record) record.consecutiveFailures = 0;
  }

  /** Records a failure; returns true when this failure ejected the instance. */
  failure(id: string, instanceCount: number): boolean {
    const record = this.record(id);
    record.consecutiveFailures++;
    if (this.threshold <= 0 || record.consecutiveFailures < this.threshold || this.isEjected(id)) return false;
    if ((this.ejectedCount() + 1) * 100 > this.maxPercent * instanceCount) return false;
    record.ejections++;
    record.consecutiveFailures = 0;
    record.ejectedUntil = this.now() + Math.min(this.baseMs * record.ejections, this.maxMs);
    return true;
  }

  isEjected(id: string): boolean {
    const record = this.records.get(id);
    return record !== undefined && record.ejectedUntil > this.now();
  }

  ejections(id: string): number {
    return this.records.get(id)?.ejections ?? 0;
  }

  /** Earliest time an ejection ends, or undefined when none is active. */
  nextExpiry(): number | undefined {
    let next: number | undefined;
    const now = this.now();
    for (const record of this.records.values()) {
      if (record.ejectedUntil > now && (next === undefined || record.ejectedUntil < next)) next = record.ejectedUntil;
    }
    return next;
  }

  /** Forgets instances that left the registry. */
  retain(ids: ReadonlySet<string>): void {
    for (const id of this.records.keys()) if (!ids.has(id)) this.records.delete(id);
  }

  private ejectedCount(): number {
    let count = 0;
    const now = this.now();
    for (const record of this.records.values()) if (record.ejectedUntil > now) count++;
    return count;
  }

  private record(id: string): InstanceRecord {
    let record = this.records.get(id);
    if (!record) this.records.set(id, (record = { consecutiveFailures: 0, ejections: 0, ejectedUntil: 0 }));
    return record;
  }
}
