import { Logger } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import type { ServiceInstance } from '../registry/service-instance.interface';
import type { ServiceRegistry } from '../registry/service-registry.interface';

/** How long `start()` waits for a first snapshot before letting calls fail fast. */
const FIRST_VIEW_WAIT_MS = 2000;
const RESUBSCRIBE_MIN_MS = 250;
const RESUBSCRIBE_MAX_MS = 10_000;

/**
 * The live membership of one service: a registry watch that survives registry outages by
 * keeping the last known view (marked stale) and resubscribing with backoff.
 */
export class RegistryView {
  private readonly logger = new Logger('BalancedClient');
  private subscription?: Subscription;
  private started?: Promise<void>;
  private retryTimer?: NodeJS.Timeout;
  private backoffMs = RESUBSCRIBE_MIN_MS;
  private isStopped = false;
  instances: readonly ServiceInstance[] = [];
  isStale = false;

  constructor(
    private readonly registry: ServiceRegistry,
    private readonly service: string,
    private readonly onChange: (instances: readonly ServiceInstance[]) => void,
  ) {}

  start(): Promise<void> {
    this.isStopped = false;
    return (this.started ??= new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, FIRST_VIEW_WAIT_MS);
      timer.unref();
      this.subscribe(() => {
        clearTimeout(timer);
        resolve();
      });
    }));
  }

  stop(): void {
    this.isStopped = true;
    clearTimeout(this.retryTimer);
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    this.started = undefined;
  }

  private subscribe(onFirst?: () => void): void {
    this.subscription = this.registry.watch(this.service).subscribe({
      next: (instances) => {
        this.apply(instances);
        onFirst?.();
        onFirst = undefined;
      },
      error: (error: unknown) =>
        this.lost(`registry watch of '${this.service}' failed: ${(error as Error).message ?? String(error)}`, error),
      // A watch completes when its registry closes, which happens on shutdown: not worth a warning.
      complete: () => this.lost(`registry watch of '${this.service}' ended`, undefined, true),
    });
  }

  /**
   * Takes a snapshot. NOTE: an exception here would escape through rxjs as an unhandled
   * error and end the process, so a snapshot the consumer cannot take is logged and
   * dropped, and the last good view stays (marked stale until a good snapshot arrives).
   */
  private apply(instances: readonly ServiceInstance[]): void {
    const previous = this.instances;
    try {
      this.instances = instances;
      this.onChange(instances);
      this.isStale = false;
      this.backoffMs = RESUBSCRIBE_MIN_MS;
    } catch (error) {
      this.instances = previous;
      this.isStale = true;
      this.logger.error(
        `registry snapshot of '${this.service}' rejected (${(error as Error)?.message ?? String(error)}); ` +
          `keeping the last good view of ${previous.length} instance(s)`,
      );
      try {
        this.onChange(previous);
      } catch {
        // The last good view was applied before; nothing more to restore.
      }
    }
  }

  /** Keeps the last view, marks it stale, and tries again with backoff. */
  private lost(reason: string, error?: unknown, isQuiet = false): void {
    if (this.isStopped) return;
    const isClosed = (error as Error | undefined)?.name === 'RegistryClosedError';
    if (!this.isStale && !isQuiet && !isClosed)
      this.logger.warn(`${reason}; keeping the last known view of ${this.instances.length} instance(s)`);
    this.isStale = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.subscribe(), this.backoffMs);
    this.retryTimer.unref();
    this.backoffMs = Math.min(this.backoffMs * 2, RESUBSCRIBE_MAX_MS);
  }
}
