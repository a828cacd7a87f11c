// Scenario 6, registry scale: 10,000 instances (100 services x 100) on file://, Redis and
// etcd: registration time, time for one watcher to hold all of them, watch propagation
// (one change at a time, and a burst), the watcher's idle CPU and heap. The measurement
// itself is bench/registry-scale.ts (also runnable alone); this wraps it as a scenario.
import { REGISTRY_SCALE_FULL, runRegistryScale, type RegistryScaleBackend, type RegistryScaleOptions } from '../registry-scale';
import { fmt, judge, table, type Goal, type Scenario, type ScenarioContext } from '../lib/scenario';

const SMOKE: RegistryScaleOptions = {
  services: 5,
  perService: 10,
  owners: 4,
  inFlight: 20,
  sequentialChanges: 10,
  burstChanges: 20,
  backends: ['file', 'redis', 'etcd'],
  phaseTimeoutMs: 10_000,
};

interface BackendFigures {
  skipped?: string;
  registrationMs: number;
  registrationsPerSecond: number;
  watchInitialSyncMs: number;
  watcherIdleCpuShare: number;
  propagationSequential: {
    issued: number;
    fromIssue: { n: number; p50Ms: number; p99Ms: number };
    afterAck: { p50Ms: number; p99Ms: number };
  };
  propagationBurst: { issued: number; allVisibleMs: number; fromIssue: { n: number; p50Ms: number; p99Ms: number } };
  watcherHeapGrowthMb: number;
  watcherHeapBytesPerInstance: number;
  lostChanges: number;
}

/** "Watch updates reach clients quickly" (DESIGN.md), read as: one change at a time, p99 from the write. */
const QUICK_PROPAGATION_MS = 100;

export const registryScale: Scenario = {
  name: 'registry-scale',
  title: 'Registry scale: 10,000 instances on file, Redis and etcd',
  budgetMs: 240_000,
  async run(ctx: ScenarioContext) {
    const options = ctx.isSmoke ? SMOKE : { ...REGISTRY_SCALE_FULL, phaseTimeoutMs: 20_000 };
    const result = await runRegistryScale(options);
    const backends = options.backends.filter((b) => result[b] !== undefined);
    const get = (b: RegistryScaleBackend) => result[b] as BackendFigures;
    const live = backends.filter((b) => !get(b).skipped);
    for (const b of backends) if (get(b).skipped) ctx.log(`${b}: skipped (${get(b).skipped})`);
    ctx.log(
      `\n${result.instances} instances (${result.services} services), ${result.owners} owners, ${result.writesInFlight} writes in flight`,
    );
    ctx.log(
      table(
        ['measure', ...live],
        [
          [
            'register all instances',
            ...live.map((b) => `${(get(b).registrationMs / 1000).toFixed(2)} s (${fmt.int(get(b).registrationsPerSecond)}/s)`),
          ],
          ['one watcher holds every service (first snapshots)', ...live.map((b) => `${(get(b).watchInitialSyncMs / 1000).toFixed(2)} s`)],
          ['watcher idle CPU (share of one core)', ...live.map((b) => get(b).watcherIdleCpuShare.toFixed(2))],
          [
            'one change at a time: changes seen / issued',
            ...live.map((b) => `${get(b).propagationSequential.fromIssue.n} / ${get(b).propagationSequential.issued}`),
          ],
          [
            '… p50 / p99 from the write (ms)',
            ...live.map(
              (b) => `${fmt.ms(get(b).propagationSequential.fromIssue.p50Ms)} / ${fmt.ms(get(b).propagationSequential.fromIssue.p99Ms)}`,
            ),
          ],
          [
            '… p50 / p99 from the write acknowledgement (ms)',
            ...live.map(
              (b) => `${fmt.ms(get(b).propagationSequential.afterAck.p50Ms)} / ${fmt.ms(get(b).propagationSequential.afterAck.p99Ms)}`,
            ),
          ],
          [
            'burst: changes, all visible after',
            ...live.map((b) => `${get(b).propagationBurst.issued}, ${(get(b).propagationBurst.allVisibleMs / 1000).toFixed(2)} s`),
          ],
          [
            '… p50 / p99 from the write (ms)',
            ...live.map((b) => `${fmt.ms(get(b).propagationBurst.fromIssue.p50Ms)} / ${fmt.ms(get(b).propagationBurst.fromIssue.p99Ms)}`),
          ],
          [
            'watcher heap growth',
            ...live.map((b) => `${get(b).watcherHeapGrowthMb} MB (${fmt.int(get(b).watcherHeapBytesPerInstance)} B each)`),
          ],
          ['changes lost (error or not seen in time)', ...live.map((b) => get(b).lostChanges)],
        ],
      ),
    );
    const goals: Goal[] = live.map((b) =>
      judge(
        ctx,
        `${b}: one change reaches a watcher quickly (p99 from the write, ${result.instances} instances)`,
        `< ${QUICK_PROPAGATION_MS} ms`,
        get(b).propagationSequential.fromIssue.n > 0 ? get(b).propagationSequential.fromIssue.p99Ms : null,
        (v) => v < QUICK_PROPAGATION_MS && get(b).lostChanges === 0,
      ),
    );
    return {
      settings: { ...options },
      figures: result,
      ratios: {},
      goals,
    };
  },
};
