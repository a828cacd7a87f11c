// Scenario 1, overhead: request/response echo of a ~100-byte JSON object to ONE instance,
// at concurrency 1, 16 and 128, by every client a user could pick, in the same run (the
// contenders and their ids: bench/lib/overhead-contenders.ts). For each: req/s (closed loop,
// interleaved rounds, completions inside the window), latency, CPU µs per request of the
// client and of the server process; then p99 at fixed arrival rates (open loop, 50 % and 80 %
// of the slowest contender's max, per group), bytes allocated per call on the client, and
// the CPU per request of each server (server-orion, server-nest, server-minimal) as driven
// by the same client (nest-tcp).
import { BenchChild } from '../lib/children';
import { bytesPerCall, type AllocationResult } from '../lib/alloc';
import { compare, compareOpenLoop, type CompareResults } from '../lib/compare';
import { ratio } from '../lib/latency';
import { overheadContenders } from '../lib/overhead-contenders';
import { FileRegistryDir, startOrionInstance, stopInstances } from '../lib/orion';
import { ECHO_PAYLOAD_BYTES } from '../lib/payload';
import { fmt, judge, table, type Scenario, type ScenarioContext } from '../lib/scenario';

const CONCURRENCY = [1, 16, 128];
/** Open-loop arrival rates, as shares of the slowest contender's max req/s in its group. */
const OPEN_SHARES = { open50: 0.5, open80: 0.8 };
/** Server figures: the server process, and the contender (same client for all) that drives it. */
const SERVERS = { 'server-orion': 'nest-tcp', 'server-nest': 'nest-tcp-to-nest', 'server-minimal': 'nest-tcp-mini' } as const;

export const overhead: Scenario = {
  name: 'overhead',
  title: 'Overhead: echo to one instance, ours vs Nest ClientProxy, grpc-js and the node:net limit',
  budgetMs: 480_000,
  async run(ctx: ScenarioContext) {
    const rounds = ctx.isSmoke ? 1 : 7;
    const roundMs = ctx.isSmoke ? 60 : 650;
    const warmupMs = ctx.isSmoke ? 0 : 300;
    const openRounds = ctx.isSmoke ? 1 : 3;
    const openRoundMs = ctx.isSmoke ? 80 : 1000;
    const allocBatches = ctx.isSmoke ? 2 : 15;
    const registry = new FileRegistryDir();
    const closers: Array<() => unknown> = [];
    const instance = await startOrionInstance(registry.url);
    const [limit, minimal, nest] = await Promise.all([
      BenchChild.start('limit-ndjson', 'bench/servers/limit-echo.ts', { FRAMING: 'ndjson' }),
      BenchChild.start('limit-nest', 'bench/servers/limit-echo.ts', { FRAMING: 'nest' }),
      BenchChild.start('nest-echo', 'bench/servers/nest-echo.ts'),
    ]);
    try {
      const contenders = await overheadContenders(registry, { instance, limit, minimal, nest }, closers);
      // NOTE: each group interleaves only with itself: its goal is a ratio inside the group, and a
      // round that follows another group's contender pays for the switch (see compare.ts).
      const results: CompareResults = {};
      for (const group of ['tcp', 'client', 'grpc'] as const) {
        ctx.log(`\ngroup ${group}`);
        const members = contenders.filter((c) => c.group === group);
        const measured = await compare(members, { concurrency: CONCURRENCY, rounds, roundMs, warmupMs, log: ctx.log });
        for (const [level, byId] of Object.entries(measured)) Object.assign((results[level] ??= {}), byId);
      }

      // Server CPU per request, each server driven by the same client.
      for (const c of CONCURRENCY) {
        const level = results[`c${c}`] as Record<string, unknown>;
        for (const [server, via] of Object.entries(SERVERS)) {
          const driven = results[`c${c}`][via];
          level[server] = { kind: 'server', measuredWith: via, rps: driven.rps, cpuUsPerRequest: driven.cpuUsPerRequest.server };
        }
      }

      // Open loop: p99 at fixed arrival rates, per group (tcp, grpc).
      const open: Record<string, Record<string, unknown>> = {};
      const openRates: Record<string, Record<string, number>> = {};
      for (const group of ['tcp', 'grpc'] as const) {
        const members = contenders.filter((c) => c.group === group);
        const slowestMax = Math.min(...members.map((m) => Math.max(...CONCURRENCY.map((c) => results[`c${c}`][m.id].rps))));
        const rates = Object.fromEntries(Object.entries(OPEN_SHARES).map(([k, share]) => [k, Math.max(50, slowestMax * share)]));
        openRates[group] = rates;
        const measured = await compareOpenLoop(members, { rates, rounds: openRounds, roundMs: openRoundMs, log: ctx.log });
        for (const [key, byId] of Object.entries(measured)) Object.assign((open[key] ??= {}), byId);
      }

      // Bytes allocated per call on the client (sequential calls, warm).
      const allocation: Record<string, AllocationResult> = {};
      for (const c of contenders.filter((m) => m.group !== 'client')) allocation[c.id] = await bytesPerCall(() => c.call(0), allocBatches);
      ctx.log('\nbytes allocated per call on the client (median of batches with no GC inside)');
      ctx.log(
        table(
          ['id', 'bytes/call', 'clean batches', 'calls per batch'],
          Object.entries(allocation).map(([id, a]) => [id, fmt.int(a.bytesPerCall), a.cleanBatches, a.callsPerBatch]),
        ),
      );

      const rps = (c: number, id: string) => results[`c${c}`][id].rps;
      const bestNest = (c: number, suffix = '') => Math.max(rps(c, `nest-tcp${suffix}`), rps(c, `nest-tcp-nodelay${suffix}`));
      const cpuTotal = (c: number, id: string) => {
        const cpu = results[`c${c}`][id].cpuUsPerRequest;
        return (cpu.client ?? 0) + (cpu.server ?? 0);
      };
      const ratios: Record<string, number | null> = {};
      for (const c of CONCURRENCY) {
        ratios[`tcp.oursOverBestNest.c${c}`] = ratio(rps(c, 'orion-tcp'), bestNest(c));
        ratios[`tcp.nestNoDelayOverNest.c${c}`] = ratio(rps(c, 'nest-tcp-nodelay'), rps(c, 'nest-tcp'));
        ratios[`tcp.oursOverLimit.c${c}`] = ratio(rps(c, 'orion-tcp'), rps(c, 'limit'));
        ratios[`tcp.metricsOffOverBestNest.c${c}`] = ratio(rps(c, 'orion-tcp-nometrics'), bestNest(c));
        ratios[`tcp.cpuBestNestOverOurs.c${c}`] = ratio(
          Math.min(cpuTotal(c, 'nest-tcp'), cpuTotal(c, 'nest-tcp-nodelay')),
          cpuTotal(c, 'orion-tcp'),
        );
        ratios[`client.oursOverBestNest.c${c}`] = ratio(rps(c, 'orion-tcp-mini'), bestNest(c, '-mini'));
        ratios[`client.oursOverLimit.c${c}`] = ratio(rps(c, 'orion-tcp-mini'), rps(c, 'limit'));
        ratios[`server.orionOverPlainNest.c${c}`] = ratio(rps(c, 'nest-tcp'), rps(c, 'nest-tcp-to-nest'));
        ratios[`server.plainNestOverMinimal.c${c}`] = ratio(rps(c, 'nest-tcp-to-nest'), rps(c, 'nest-tcp-mini'));
        ratios[`grpc.oursOverRawGrpcJs.c${c}`] = ratio(rps(c, 'orion-grpc'), rps(c, 'grpc-raw'));
        ratios[`grpc.oursOverNest.c${c}`] = ratio(rps(c, 'orion-grpc'), rps(c, 'nest-grpc'));
        // The same call shape as ours (deadline + budget header) on the raw stub: what the shape costs.
        ratios[`grpc.oursOverRawSameShape.c${c}`] = ratio(rps(c, 'orion-grpc'), rps(c, 'grpc-raw-deadline'));
        ratios[`grpc.rawSameShapeOverRaw.c${c}`] = ratio(rps(c, 'grpc-raw-deadline'), rps(c, 'grpc-raw'));
      }
      // Open-loop p99 (median of the rounds' p99; lower is better): ours over the better Nest / raw grpc-js.
      const p99 = (key: string, id: string) => (open[key][id] as { p99Ms: { median: number } }).p99Ms.median;
      for (const key of Object.keys(OPEN_SHARES)) {
        ratios[`${key}.p99OursOverBestNest`] = ratio(p99(key, 'orion-tcp'), Math.min(p99(key, 'nest-tcp'), p99(key, 'nest-tcp-nodelay')));
        ratios[`${key}.p99OursOverRawGrpcJs`] = ratio(p99(key, 'orion-grpc'), p99(key, 'grpc-raw'));
      }
      const names = [
        ...new Set(
          Object.keys(ratios)
            .filter((k) => !k.startsWith('open'))
            .map((k) => k.slice(0, k.lastIndexOf('.'))),
        ),
      ];
      ctx.log('\nratios (req/s ours / baseline; cpuBestNestOverOurs: CPU per request, client + server, baseline / ours)');
      ctx.log(
        table(
          ['ratio', ...CONCURRENCY.map((c) => `c=${c}`)],
          names.map((name) => [name, ...CONCURRENCY.map((c) => fmt.ratio(ratios[`${name}.c${c}`]))]),
        ),
      );
      ctx.log("\nopen-loop p99 ratios (median of the rounds' p99, ours / baseline, lower is better)");
      ctx.log(
        table(
          ['ratio', 'value'],
          Object.entries(ratios)
            .filter(([k]) => k.startsWith('open'))
            .map(([k, v]) => [k, fmt.ratio(v)]),
        ),
      );
      const worst = (name: string) => {
        const values = CONCURRENCY.map((c) => ratios[`${name}.c${c}`]);
        return values.some((v) => v === null) ? null : Math.min(...(values as number[]));
      };
      const each = (name: string) => CONCURRENCY.map((c) => `${fmt.ratio(ratios[`${name}.c${c}`])} at c=${c}`).join(', ');
      return {
        settings: {
          concurrency: CONCURRENCY,
          rounds,
          roundMs,
          warmupMs,
          openLoop: { shares: OPEN_SHARES, rates: openRates, rounds: openRounds, roundMs: openRoundMs },
          allocationBatches: allocBatches,
          payloadBytes: ECHO_PAYLOAD_BYTES,
          servers: SERVERS,
          metricsOn: ['orion-tcp', 'orion-tcp-mini', 'orion-grpc', 'the Orion instance (built-in metrics middleware)'],
        },
        figures: { ...results, ...open, allocation },
        ratios,
        goals: [
          judge(
            ctx,
            'tcp: ours >= 1.0x the better Nest ClientTCP (default or no-delay), worst of c=1/16/128',
            '>= 1.0',
            worst('tcp.oursOverBestNest'),
            (v) => v >= 1.0,
            each('tcp.oursOverBestNest'),
          ),
          judge(
            ctx,
            'tcp: ours >= 0.75x the limit (batched node:net client and server), worst of c=1/16/128',
            '>= 0.75',
            worst('tcp.oursOverLimit'),
            (v) => v >= 0.75,
            each('tcp.oursOverLimit'),
          ),
          judge(
            ctx,
            'grpc: ours >= 0.90x raw @grpc/grpc-js to the same instance, worst of c=1/16/128',
            '>= 0.90',
            worst('grpc.oursOverRawGrpcJs'),
            (v) => v >= 0.9,
            each('grpc.oursOverRawGrpcJs'),
          ),
        ],
      };
    } finally {
      for (const close of closers) {
        try {
          await close();
        } catch {
          // closing a client that failed is fine
        }
      }
      await stopInstances([instance]);
      await Promise.all([limit.stop(), minimal.stop(), nest.stop()]);
      await registry.close();
    }
  },
};
