import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { ProtocolsRuntime } from '@orion/protocols';
import { INITIAL_STOCK } from '../shared/mesh.constants';

export interface TrafficStats {
  /** Background orders per second, 0 when off. */
  rps: number;
  sent: number;
  /** Answered with a 4xx: out of stock, rate limited. */
  rejected: number;
  /** No answer or a 5xx. */
  failed: number;
  lastError: string | null;
}

const MAX_BURST = 200;
const MAX_RATE = 100;

/**
 * A synthetic shopper, so the dashboard has something to show: places orders through the
 * gateway's own public API (`POST /api/orders`), at a steady rate in the background (set
 * by the launcher once the whole mesh is up, `--traffic`) and in bursts from the
 * dashboard's button.
 */
@Injectable()
export class DemoTrafficService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('DemoTraffic');
  private readonly counters: TrafficStats;
  private timer?: NodeJS.Timeout;
  private baseUrl?: string;
  private isStopped = false;

  constructor(private readonly runtime: ProtocolsRuntime) {
    this.counters = { rps: 0, sent: 0, rejected: 0, failed: 0, lastError: null };
  }

  onApplicationBootstrap(): void {
    void this.runtime.ready().then((addresses) => (this.baseUrl = addresses.http?.url));
  }

  /** Background orders per second, 0..100; 0 stops them. */
  setRate(rps: number): TrafficStats {
    clearInterval(this.timer);
    this.counters.rps = Math.max(0, Math.min(MAX_RATE, rps));
    if (this.counters.rps > 0 && !this.isStopped) {
      this.timer = setInterval(() => void this.placeOne(), 1000 / this.counters.rps);
      this.timer.unref();
    }
    return this.stats();
  }

  beforeApplicationShutdown(): void {
    this.isStopped = true;
    clearInterval(this.timer);
  }

  stats(): TrafficStats {
    return { ...this.counters };
  }

  /** Places `count` orders at once (at most 200); resolves when all answered. */
  async burst(count: number): Promise<TrafficStats> {
    const n = Math.max(1, Math.min(MAX_BURST, Math.floor(count) || 1));
    await Promise.all(Array.from({ length: n }, () => this.placeOne()));
    return this.stats();
  }

  private async placeOne(): Promise<void> {
    if (!this.baseUrl || this.isStopped) return;
    const skus = Object.keys(INITIAL_STOCK);
    const order = { sku: skus[Math.floor(Math.random() * skus.length)], qty: 1 + Math.floor(Math.random() * 3) };
    this.counters.sent++;
    try {
      const response = await fetch(`${this.baseUrl}/api/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(order),
        signal: AbortSignal.timeout(5000),
      });
      if (response.ok) {
        await response.body?.cancel();
        return;
      }
      const body = (await response.text()).slice(0, 200);
      if (response.status < 500) {
        this.counters.rejected++;
        this.counters.lastError = `${response.status} ${body}`;
        return;
      }
      throw new Error(`${response.status} ${body}`);
    } catch (error) {
      this.counters.failed++;
      this.counters.lastError = (error as Error).message;
      this.logger.debug(`demo order failed: ${(error as Error).message}`);
    }
  }
}
