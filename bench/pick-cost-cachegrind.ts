// Cache profile of picks, for bench/scenarios/pick-cost.ts: where a pick at 10,000 instances
// spends its extra time when the machine gives no hardware counters (perf reports
// <not supported> here). cachegrind simulates the caches, so its counts do not depend on the
// machine's load. Run it twice per size, with 0 and with N picks, and subtract: what node's
// start-up, the module loading and the warm-up cost cancels, and the difference / N is per pick.
//
//   for n in 0 1000000; do
//     valgrind --tool=cachegrind --cache-sim=yes --cachegrind-out-file=/dev/null \
//       node -r ./bench/lib/register-ts-cached.js bench/pick-cost-cachegrind.ts p2c-ewma 10000 $n
//   done
//
// Read "I refs", "D1 misses" and "LLd misses" from each run's summary (~2 min per run).
import { InstancePicker, createStrategy, type BalancingStrategyName, type ServiceInstance } from '@orion/discovery';

const [name = 'p2c-ewma', sizeArg = '10000', picksArg = '0'] = process.argv.slice(2);
const size = Number(sizeArg);
const picks = Number(picksArg);

// The same instances, call history and keys as the pick-cost scenario.
const list: ServiceInstance[] = Array.from({ length: size }, (_v, i) => ({
  id: `orders-${String(i).padStart(5, '0')}`,
  service: 'orders',
  version: '1.0.0',
  zone: `zone-${i % 3}`,
  weight: 1 + (i % 4),
  metadata: {},
  status: 'passing',
  endpoints: [{ protocol: 'tcp', host: '10.0.0.1', port: 9000 + (i % 50_000) }],
  registeredAt: 0,
  renewedAt: 0,
}));
const picker = InstancePicker.from(list, createStrategy(name as BalancingStrategyName));
for (const instance of list) {
  picker.recordStart(instance);
  picker.recordResult(instance, { ok: true, latencyMs: 1 + (instance.weight % 3) });
}
const contexts = name === 'consistent-hash' ? Array.from({ length: 1024 }, (_v, i) => ({ hashKey: `user-${i * 7919}` })) : undefined;

function pickLoop(n: number): number {
  let sink = 0;
  if (contexts) for (let i = 0; i < n; i++) sink = (sink + picker.pick(contexts[i & 1023])!.weight) | 0;
  else for (let i = 0; i < n; i++) sink = (sink + picker.pick()!.weight) | 0;
  return sink;
}

// Warm-up (JIT) in both runs, so only the measured picks differ.
let sink = pickLoop(200_000);
sink ^= pickLoop(picks);
if (sink === 0.5) process.stdout.write('\n'); // keep the loops from being optimised away
