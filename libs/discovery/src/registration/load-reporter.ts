import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';
import { Injectable, Optional, type OnModuleDestroy } from '@nestjs/common';
import { ProtocolTimings } from '@orion/protocols';
import type { Subscription } from 'rxjs';
import type { InstanceLoad } from '../registry/service-instance.interface';

/** Weight of the newest latency sample in the moving average. */
const LATENCY_EWMA_ALPHA = 0.2;

/**
 * Measures what each heartbeat reports: in-flight requests, requests/s and latency EWMA
 * (from the protocols timing hook), event loop utilization and lag (perf_hooks).
 *
 * @publicApi
 */
@Injectable()
export class LoadReporter implements OnModuleDestroy {
  private readonly delay: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly subscription?: Subscription;
  private lastElu: EventLoopUtilization = performance.eventLoopUtilization();
  private lastReportAt = performance.now();
  private completed = 0;
  private latencyEwmaMs = 0;

  constructor(@Optional() private readonly timings?: ProtocolTimings) {
    this.delay.enable();
    this.subscription = timings?.records$.subscribe(({ durationMs }) => {
      this.completed++;
      this.latencyEwmaMs =
        this.latencyEwmaMs === 0 ? durationMs : this.latencyEwmaMs + LATENCY_EWMA_ALPHA * (durationMs - this.latencyEwmaMs);
    });
  }

  /** Requests being handled now. */
  get inFlight(): number {
    return this.timings?.inFlight ?? 0;
  }

  /** The load since the previous report; resets the interval counters. */
  report(): InstanceLoad {
    const now = performance.now();
    const elapsedS = Math.max((now - this.lastReportAt) / 1000, 1e-3);
    const elu = performance.eventLoopUtilization(this.lastElu);
    this.lastElu = performance.eventLoopUtilization();
    const load: InstanceLoad = {
      inFlight: this.inFlight,
      requestsPerSecond: round(this.completed / elapsedS),
      latencyEwmaMs: round(this.latencyEwmaMs),
      eventLoopUtilization: round(elu.utilization, 3),
      eventLoopLagMs: round(this.delay.percentile(99) / 1e6),
    };
    this.completed = 0;
    this.lastReportAt = now;
    this.delay.reset();
    return load;
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
    this.delay.disable();
  }
}

function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round((Number.isFinite(value) ? value : 0) * factor) / factor;
}
