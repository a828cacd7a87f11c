// Scenario 4, failover: three instances under steady load (closed loop, concurrency 16) from
// a fresh balanced client; after 2 s one instance is killed with SIGKILL. We count failed
// requests, and time how long until the dead instance gets no more picks (last pick after
// the kill), is ejected by outlier detection, and leaves the registry view (lease expiry).
// Runs: tcp and grpc with idempotent retries; tcp with default (non-idempotent) retries,
// where calls that were in flight on the killed instance may fail by design.
import { performance } from 'node:perf_hooks';
import { lastValueFrom } from 'rxjs';
import type { BalancedTransport } from '@orion/discovery';
import type { LatencySummary } from '../lib/latency';
import { closedLoop, sleep } from '../lib/load';
import { balancedClient, FileRegistryDir, startOrionInstance, startOrionInstances, stopInstances, type OrionInstance } from '../lib/orion';
import { ECHO_PAYLOAD } from '../lib/payload';
import { fmt, judge, table, type Scenario, type ScenarioContext } from '../lib/scenario';

const TTL_MS = 3000;
const CONCURRENCY = 16;

interface FailoverRun {
  name: string;
  transport: BalancedTransport;
  isIdempotent: boolean;
  requests: number;
  failed: number;
  failuresByCode: Record<string, number>;
  retries: number;
  rps: number;
  latency: LatencySummary;
  /** ms from the kill to the last attempt the dead instance got. */
  lastPickAfterKillMs: number | null;
  picksAfterKill: number;
  /** ms from the kill to its ejection by outlier detection (null: never ejected). */
  ejectedAfterMs: number | null;
  /** ms from the kill until the registry view no longer lists it (lease expiry + watch). */
  leftViewAfterMs: number | null;
}

export const failover: Scenario = {
  name: 'failover',
  title: 'Failover: kill -9 one of three instances under load',
  budgetMs: 150_000,
  async run(ctx: ScenarioContext) {
    const preMs = ctx.isSmoke ? 300 : 2000;
    // Long enough after the kill to see the lease expire (smoke: only the kill itself).
    const postMs = ctx.isSmoke ? 1000 : TTL_MS + 3000;
    const count = ctx.isSmoke ? 2 : 3;
    const registry = new FileRegistryDir();
    const env = { TTL_MS: String(TTL_MS) };
    let instances: OrionInstance[] = [];
    const runs: FailoverRun[] = [];
    try {
      instances = await startOrionInstances(count, registry.url, env);
      const plan: Array<{ name: string; transport: BalancedTransport; isIdempotent: boolean }> = [
        { name: 'tcp, idempotent', transport: 'tcp', isIdempotent: true },
        { name: 'grpc, idempotent', transport: 'grpc', isIdempotent: true },
        { name: 'tcp, not idempotent (default retry)', transport: 'tcp', isIdempotent: false },
      ];
      for (const step of ctx.isSmoke ? plan.slice(0, 1) : plan) {
        const live = instances.filter((i) => i.child.isRunning);
        const client = await balancedClient(
          registry.registry,
          { transport: step.transport, metrics: false, retry: step.isIdempotent ? { isIdempotent: true } : undefined },
          live.length,
        );
        // Wait until the view holds exactly the live instances (the last victim's lease expired).
        const until = Date.now() + TTL_MS * 3;
        while (client.stats().instances.length !== live.length && Date.now() < until) await sleep(50);
        const victim = live[0];
        let killAt = 0;
        let lastPickAt = 0;
        let picksAtKill = 0;
        let picks = 0;
        let ejectedAt = 0;
        let goneAt = 0;
        const poll = setInterval(() => {
          const stats = client.stats().instances.find((i) => i.id === victim.id);
          const now = performance.now();
          if (!stats) {
            if (killAt && !goneAt) goneAt = now;
            return;
          }
          if (stats.picks !== picks) {
            picks = stats.picks;
            lastPickAt = now;
          }
          if (killAt && stats.isEjected && !ejectedAt) ejectedAt = now;
        }, 1);
        const failuresByCode: Record<string, number> = {};
        const loading = closedLoop({
          concurrency: CONCURRENCY,
          durationMs: preMs + postMs,
          call: async () => {
            try {
              return await lastValueFrom(client.send('echo', ECHO_PAYLOAD));
            } catch (error) {
              const code = (error as { code?: string }).code ?? 'UNKNOWN';
              failuresByCode[code] = (failuresByCode[code] ?? 0) + 1;
              throw error;
            }
          },
        });
        await sleep(preMs);
        picksAtKill = client.stats().instances.find((i) => i.id === victim.id)?.picks ?? 0;
        victim.child.kill('SIGKILL');
        killAt = performance.now();
        const result = await loading;
        clearInterval(poll);
        const stats = client.stats();
        runs.push({
          name: step.name,
          transport: step.transport,
          isIdempotent: step.isIdempotent,
          requests: result.requests,
          failed: result.errors,
          failuresByCode,
          retries: stats.retries,
          rps: result.rps,
          latency: result.latency,
          lastPickAfterKillMs: lastPickAt > killAt ? Math.round((lastPickAt - killAt) * 10) / 10 : 0,
          picksAfterKill: picks - picksAtKill,
          ejectedAfterMs: ejectedAt ? Math.round(ejectedAt - killAt) : null,
          leftViewAfterMs: goneAt ? Math.round(goneAt - killAt) : null,
        });
        await client.close();
        // A replacement, so the next run starts with three again.
        if (step !== plan[plan.length - 1] && !ctx.isSmoke) instances.push(await startOrionInstance(registry.url, env));
      }
      ctx.log(
        `\n${count} instances, concurrency ${CONCURRENCY}, SIGKILL after ${preMs} ms, lease ${TTL_MS} ms (heartbeat ${TTL_MS / 3} ms)`,
      );
      ctx.log(
        table(
          [
            'run',
            'requests',
            'failed',
            'retries',
            'p99 ms',
            'max ms',
            'picks after kill',
            'last pick after',
            'ejected after',
            'left view after',
          ],
          runs.map((r) => [
            r.name,
            fmt.int(r.requests),
            `${r.failed}${r.failed ? ' ' + JSON.stringify(r.failuresByCode) : ''}`,
            r.retries,
            fmt.ms(r.latency.p99Ms),
            fmt.ms(r.latency.maxMs),
            r.picksAfterKill,
            `${fmt.ms(r.lastPickAfterKillMs)} ms`,
            r.ejectedAfterMs === null ? 'never' : `${r.ejectedAfterMs} ms`,
            r.leftViewAfterMs === null ? 'not yet' : `${r.leftViewAfterMs} ms`,
          ]),
        ),
      );
      const idempotent = runs.filter((r) => r.isIdempotent);
      const failedIdempotent = idempotent.reduce((sum, r) => sum + r.failed, 0);
      const worstLastPick = Math.max(...idempotent.map((r) => r.lastPickAfterKillMs ?? Number.POSITIVE_INFINITY));
      return {
        settings: {
          instances: count,
          concurrency: CONCURRENCY,
          ttlMs: TTL_MS,
          heartbeatMs: TTL_MS / 3,
          killAfterMs: preMs,
          loadAfterKillMs: postMs,
        },
        figures: { runs },
        ratios: {},
        goals: [
          judge(ctx, 'no failed idempotent request (tcp and grpc)', '0', failedIdempotent, (v) => v === 0),
          judge(
            ctx,
            'the killed instance gets no more picks within one heartbeat',
            `<= ${TTL_MS / 3} ms`,
            worstLastPick,
            (v) => v <= TTL_MS / 3,
          ),
        ],
      };
    } finally {
      await stopInstances(instances);
      await registry.close();
    }
  },
};
