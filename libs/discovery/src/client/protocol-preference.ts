import type { BalancedTransport } from './balanced-client.options';

/** Default `protocolProbeMs`: how long a protocol that refused stays unused before a probe. */
export const PROTOCOL_PROBE_DEFAULT_MS = 5000;
/** Longest wait between probes of a protocol that keeps refusing (or `protocolProbeMs` when that is longer). */
export const PROTOCOL_PROBE_MAX_MS = 60_000;

/**
 * Which protocol a balanced client uses for one instance, out of the ones it advertises in
 * the client's order of preference (`transport: ['grpc', 'tcp']`): a state machine with an
 * injected clock, no I/O and no timers.
 *
 * - In use: the first protocol not marked down (the last one is never marked down).
 * - `refused(i)`: protocol `i` refused the connection (nothing was sent). The first time,
 *   `i` is marked down and the instance moves to the next protocol not marked down; the
 *   call retries there at once. A refusal of the last protocol is an ordinary failure of the
 *   instance (-1: no protocol left).
 * - Probes: once `protocolProbeMs` has passed, the next attempt (`select()`) tries the most
 *   preferred protocol that is down, one probe at a time. A probe that succeeds switches back
 *   to it; one that fails waits twice as long as the last wait, up to
 *   `max(PROTOCOL_PROBE_MAX_MS, protocolProbeMs)`.
 * - Only a probe's outcome changes a down protocol's state: an attempt that began before its
 *   protocol went down and answers (or fails) late is ignored, so the state does not flap.
 */
export class ProtocolPreference {
  /** Switches of the protocol in use so far, all directions together. */
  switches = 0;
  /** Switches per `from>to` pair (for `orion_client_protocol_switches_total`). Changes only on a switch. */
  readonly switchCounts = new Map<string, number>();
  private current = 0;
  private probing = -1;
  private readonly isDownAt: boolean[];
  private readonly probeAt: number[];
  private readonly probeFailures: number[];
  private readonly maxProbeMs: number;

  constructor(
    /** The instance's protocols, in the client's order of preference (at least one). */
    readonly protocols: readonly BalancedTransport[],
    private readonly probeMs: number = PROTOCOL_PROBE_DEFAULT_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.isDownAt = protocols.map(() => false);
    this.probeAt = protocols.map(() => 0);
    this.probeFailures = protocols.map(() => 0);
    this.maxProbeMs = Math.max(PROTOCOL_PROBE_MAX_MS, probeMs);
  }

  /** The protocol in use now. */
  get protocol(): BalancedTransport {
    return this.protocols[this.current];
  }

  /** Index of the protocol in use now. */
  get inUse(): number {
    return this.current;
  }

  isDown(index: number): boolean {
    return this.isDownAt[index];
  }

  /** The protocol (index) the next attempt goes over: the one in use, or a due probe of a preferred one. */
  select(): number {
    const current = this.current;
    if (current === 0 || this.probing >= 0) return current;
    const now = this.now();
    // NOTE: every protocol before the one in use is down; probe the most preferred that is due.
    for (let i = 0; i < current; i++) {
      if (this.probeAt[i] <= now) {
        this.probing = i;
        return i;
      }
    }
    return current;
  }

  /**
   * Protocol `index` refused the connection (the request was not sent). Returns the protocol
   * to retry on at once, or -1 when `index` is the last: an ordinary failure of the instance.
   */
  refused(index: number): number {
    const now = this.now();
    if (index === this.probing) {
      this.probing = -1;
      this.probeFailures[index]++;
      this.probeAt[index] = now + this.backoff(this.probeFailures[index]);
      return this.current;
    }
    // An attempt begun before its protocol went down: the state already knows.
    if (this.isDownAt[index]) return this.current;
    const last = this.protocols.length - 1;
    if (index === last) return index === this.current ? -1 : this.current;
    this.isDownAt[index] = true;
    this.probeFailures[index] = 0;
    this.probeAt[index] = now + this.probeMs;
    if (index === this.current) {
      let next = index + 1;
      while (next < last && this.isDownAt[next]) next++;
      this.switchTo(next);
    }
    return this.current;
  }

  /** Protocol `index` carried an attempt (a reply or an application error): a probe switches back. */
  succeeded(index: number): void {
    if (index !== this.probing) return;
    this.probing = -1;
    this.isDownAt[index] = false;
    this.probeFailures[index] = 0;
    this.probeAt[index] = 0;
    if (index < this.current) this.switchTo(index);
  }

  /**
   * An attempt over `index` failed after it may have been sent (timeout, reset, server error):
   * a probe that fails so has not proved the protocol works and waits longer; otherwise it is
   * the instance's failure, not the protocol's.
   */
  failed(index: number): void {
    if (index !== this.probing) return;
    this.refused(index);
  }

  /** An attempt over `index` ended without a verdict (cancelled by its caller): a probe may run again. */
  abandoned(index: number): void {
    if (index === this.probing) this.probing = -1;
  }

  private backoff(failures: number): number {
    return Math.min(this.probeMs * 2 ** failures, this.maxProbeMs);
  }

  private switchTo(index: number): void {
    const key = `${this.protocols[this.current]}>${this.protocols[index]}`;
    this.current = index;
    this.switches++;
    this.switchCounts.set(key, (this.switchCounts.get(key) ?? 0) + 1);
  }
}
