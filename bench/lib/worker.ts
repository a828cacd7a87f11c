// Runs ONE scenario in its own process (started by bench/run.ts): its timings are not
// disturbed by the state another scenario left behind, and a scenario that overruns is
// killed with its whole process group (its servers included).
//
//   node --expose-gc -r ./test/harness/register-ts.js bench/lib/worker.ts <scenario> [--smoke]
//
// Writes the ScenarioOutput as JSON to $BENCH_RESULT_FILE; tables go to stdout.
import { writeFileSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { SCENARIOS } from '../scenarios';
import { killAllChildren, pinToCpu } from './children';

// Clients log reconnects and ejections through Nest's logger; scenarios count failures
// themselves, so keep the tables readable (BENCH_VERBOSE=1 shows the logs).
if (!process.env.BENCH_VERBOSE) Logger.overrideLogger(false);

async function main(): Promise<void> {
  const [name, ...flags] = process.argv.slice(2);
  if (process.env.BENCH_PIN === '1') pinToCpu(process.pid, 0);
  const scenario = SCENARIOS.find((s) => s.name === name);
  if (!scenario) throw new Error(`unknown scenario '${name}'`);
  const output = await scenario.run({ isSmoke: flags.includes('--smoke'), log: (line = '') => process.stdout.write(line + '\n') });
  if (process.env.BENCH_RESULT_FILE) writeFileSync(process.env.BENCH_RESULT_FILE, JSON.stringify(output));
}

process.on('unhandledRejection', (reason) => {
  console.error('unhandled rejection:', reason);
});

main().then(
  () => {
    killAllChildren();
    process.exit(0);
  },
  (error: unknown) => {
    console.error(error);
    killAllChildren();
    process.exit(1);
  },
);
