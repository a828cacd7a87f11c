import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Subject, type Observable } from 'rxjs';
import { createRegistry } from '../registry/create-registry.util';
import type { ServiceRegistry } from '../registry/service-registry.interface';
import { getRegistryToken } from '../utils/get-registry-token.util';
import type { AutoscaleAdvice } from './autoscale-advice.interface';
import { AUTOSCALE_MODULE_OPTIONS } from './autoscale.module-definition';
import { AUTOSCALE_DEFAULT_INTERVAL_MS, type AutoscaleOptions, type InstanceUtilizationFn } from './autoscale.options';
import { AutoscaleMetrics } from './autoscale.metrics';
import { InvalidAutoscaleOptionError } from './invalid-autoscale-option.error';
import { ScaleRecommender } from './scale-recommender';
import { countedInstances, meanUtilization, utilizationFn } from './utilization.util';

/**
 * Advises how many instances each service should run, from the load reports in the
 * registry: per service, the current instances, their mean utilization against a target,
 * and the desired count (`ceil(current × utilization / target)`, scale-up at once,
 * scale-down stabilized over a window: see `ScaleRecommender`). It advises only; acting on
 * the advice (a process manager, Kubernetes, an operator) is up to the subscriber.
 *
 * Evaluates every `intervalMs` once the app has started (and on `evaluate()`); each
 * evaluation emits one advice per service on `advice$`, `changes$` emits those whose
 * counts or recommendation changed, `current()` returns the latest, and the
 * `orion_autoscale_*` gauges follow them.
 *
 * @publicApi
 */
@Injectable()
export class AutoscaleAdvisor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('AutoscaleAdvisor');
  private readonly recommender: ScaleRecommender;
  private readonly utilization: InstanceUtilizationFn;
  private readonly metrics?: AutoscaleMetrics;
  private readonly registry: ServiceRegistry;
  private readonly ownsRegistry: boolean;
  private readonly now: () => number;
  private readonly latest = new Map<string, AutoscaleAdvice>();
  private readonly advice = new Subject<AutoscaleAdvice>();
  private readonly changes = new Subject<AutoscaleAdvice>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<AutoscaleAdvice[]>;

  /** Every advice of every evaluation, one per service. */
  readonly advice$: Observable<AutoscaleAdvice> = this.advice.asObservable();
  /** The advice of a service when its current or desired count or its recommendation changed (and its first). */
  readonly changes$: Observable<AutoscaleAdvice> = this.changes.asObservable();

  constructor(
    @Inject(AUTOSCALE_MODULE_OPTIONS) private readonly options: AutoscaleOptions,
    @Optional() @Inject(getRegistryToken()) discoveryRegistry?: ServiceRegistry,
  ) {
    this.recommender = new ScaleRecommender(options);
    const capacity = options.capacity;
    if (capacity !== undefined && !(capacity > 0)) throw new InvalidAutoscaleOptionError('capacity', capacity, 'a number > 0');
    this.utilization = utilizationFn(options.metric, capacity);
    this.now = options.now ?? Date.now;
    this.ownsRegistry = typeof options.registry === 'string';
    const registry = typeof options.registry === 'string' ? createRegistry(options.registry) : (options.registry ?? discoveryRegistry);
    if (!registry) throw new InvalidAutoscaleOptionError('registry', undefined, 'a registry URL, or ServiceDiscoveryModule imported');
    this.registry = registry;
    if (options.metrics !== false) this.metrics = AutoscaleMetrics.create(options.metrics === true ? undefined : options.metrics);
  }

  /** The utilization aimed at. */
  get target(): number {
    return this.recommender.target;
  }

  /** The latest advice of every service, sorted by service. */
  current(): AutoscaleAdvice[] {
    return [...this.latest.values()].sort((a, b) => a.service.localeCompare(b.service));
  }

  /** Evaluates every service now (an evaluation already running is shared, not repeated). */
  evaluate(): Promise<AutoscaleAdvice[]> {
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Starts periodic evaluation (Nest calls it once the app has started). Idempotent. */
  start(): void {
    const intervalMs = this.options.intervalMs ?? AUTOSCALE_DEFAULT_INTERVAL_MS;
    if (this.timer || intervalMs <= 0) return;
    const tick = () => void this.evaluate().catch((error: unknown) => this.logger.warn(`evaluation failed: ${String(error)}`));
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
    tick();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.stop();
    this.advice.complete();
    this.changes.complete();
    if (this.ownsRegistry) await this.registry.close();
  }

  private async run(): Promise<AutoscaleAdvice[]> {
    const services = this.options.services ? [...this.options.services] : await this.registry.services();
    const lists = await Promise.all(services.map((service) => this.registry.list(service)));
    const at = this.now();
    const advice = services.map((service, i) => {
      const utilization = meanUtilization(lists[i], this.utilization);
      const rounded = utilization === undefined ? undefined : Math.round(utilization * 10_000) / 10_000;
      return this.recommender.recommend(service, countedInstances(lists[i]).length, rounded, at);
    });
    for (const gone of [...this.latest.keys()].filter((s) => !services.includes(s))) {
      this.latest.delete(gone);
      this.recommender.forget(gone);
      this.metrics?.forget(gone);
    }
    for (const item of advice) this.publish(item);
    return advice;
  }

  private publish(advice: AutoscaleAdvice): void {
    const previous = this.latest.get(advice.service);
    this.latest.set(advice.service, advice);
    this.metrics?.record(advice);
    this.advice.next(advice);
    const isChange =
      previous === undefined ||
      previous.currentInstances !== advice.currentInstances ||
      previous.desiredInstances !== advice.desiredInstances ||
      previous.recommendation !== advice.recommendation;
    if (isChange) this.changes.next(advice);
  }
}
