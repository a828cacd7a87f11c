// `npm run bench [-- <scenario>... ] [--json] [--smoke] [--out <file>]`
//
// Measures Orion against the baselines a user would pick instead, in one run on one
// machine, and prints ratios. Each scenario runs in its own process (bench/lib/worker.ts)
// under a watchdog that kills it with its servers if it overruns.
//
//   <scenario>   any of the names below (default: all, in this order)
//   --smoke      tiny counts and durations: checks every path works (CI), timings mean nothing
//   --json       print the results as one JSON document on stdout (tables go to stderr) and
//                write it to bench/results/latest.json (or --out <file>)
//   --list       print the scenario names
//   --pin        pin the scenario's process to CPU 0 and its servers to CPU 1 (taskset), so a
//                client and its server never share a core nor swap cores between rounds
//
// Exit code 1 when a scenario failed to run; goals that are not met do not fail the run.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { machineInfo } from './lib/machine';
import { REGISTER_TS, ROOT } from './lib/children';
import type { ScenarioOutput } from './lib/scenario';
import { SCENARIOS } from './scenarios';

interface Args {
  names: string[];
  isJson: boolean;
  isSmoke: boolean;
  isPinned: boolean;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { names: [], isJson: false, isSmoke: false, isPinned: false, out: join(ROOT, 'bench/results/latest.json') };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') args.isJson = true;
    else if (arg === '--smoke') args.isSmoke = true;
    else if (arg === '--pin') args.isPinned = true;
    else if (arg === '--out') args.out = resolve(argv[++i] ?? '');
    else if (arg === '--list') {
      for (const s of SCENARIOS) console.log(`${s.name.padEnd(16)} ${s.title}`);
      process.exit(0);
    } else if (arg === '--help' || arg === '-h') {
      console.log('usage: npm run bench -- [scenario...] [--smoke] [--json] [--out file] [--pin] [--list]');
      console.log(`scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}`);
      process.exit(0);
    } else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}`);
    else args.names.push(arg);
  }
  for (const name of args.names) {
    if (!SCENARIOS.some((s) => s.name === name))
      throw new Error(`unknown scenario '${name}'; valid: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  }
  return args;
}

interface ScenarioRun extends Partial<ScenarioOutput> {
  ok: boolean;
  durationMs: number;
  error?: string;
}

async function runScenario(
  name: string,
  budgetMs: number,
  nodeFlags: string[],
  args: Args,
  write: (text: string) => void,
): Promise<ScenarioRun> {
  const dir = mkdtempSync(join(tmpdir(), 'orion-bench-result-'));
  const resultFile = join(dir, 'result.json');
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ['--expose-gc', ...nodeFlags, '-r', REGISTER_TS, join(ROOT, 'bench/lib/worker.ts'), name, ...(args.isSmoke ? ['--smoke'] : [])],
    {
      cwd: ROOT,
      env: { ...process.env, BENCH_RESULT_FILE: resultFile, ...(args.isPinned ? { BENCH_PIN: '1' } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  const killGroup = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', killGroup);
  child.stdout!.on('data', (chunk: Buffer) => write(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => write(chunk.toString()));
  let isTimedOut = false;
  const watchdog = setTimeout(() => {
    isTimedOut = true;
    killGroup();
  }, budgetMs);
  const code = await new Promise<number | null>((done) => child.once('exit', (c) => done(c)));
  clearTimeout(watchdog);
  killGroup(); // servers the worker could not reap
  process.removeListener('exit', killGroup);
  const durationMs = Math.round(performance.now() - started);
  try {
    if (isTimedOut) return { ok: false, durationMs, error: `over its budget of ${budgetMs} ms: killed` };
    if (code !== 0) return { ok: false, durationMs, error: `exited with code ${code}` };
    return { ok: true, durationMs, ...(JSON.parse(readFileSync(resultFile, 'utf8')) as ScenarioOutput) };
  } catch (error) {
    return { ok: false, durationMs, error: `no result: ${String(error)}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const selected = args.names.length ? SCENARIOS.filter((s) => args.names.includes(s.name)) : SCENARIOS;
  const log = args.isJson ? process.stderr : process.stdout;
  const say = (line = '') => log.write(line + '\n');
  const machine = machineInfo();
  const date = new Date().toISOString();
  say(
    `orion bench ${args.isSmoke ? '(smoke) ' : ''}${date}: ${machine.cores} x ${machine.cpuModel}, Node ${machine.node}, load ${machine.loadAverage.join(' ')}`,
  );
  const started = performance.now();
  const scenarios: Record<string, ScenarioRun> = {};
  // A full run measures one scenario at a time (timings matter). A smoke run only checks that
  // every path works, so it runs two scenarios at once (their waits overlap) and prints each
  // scenario's output when it is done, in order.
  const parallelism = args.isSmoke ? 2 : 1;
  const outputs = selected.map(() => ({ text: '', isDone: false }));
  let printed = 0;
  const flush = () => {
    while (printed < selected.length && outputs[printed].isDone) log.write(outputs[printed++].text);
  };
  const runOne = async (index: number): Promise<void> => {
    const scenario = selected[index];
    const out = outputs[index];
    const write = (text: string) => (parallelism === 1 ? log.write(text) : (out.text += text));
    write(`\n## ${scenario.name}: ${scenario.title}\n`);
    const budget = args.isSmoke ? Math.min(scenario.budgetMs, 60_000) : scenario.budgetMs;
    const run = await runScenario(scenario.name, budget, scenario.nodeFlags ?? [], args, write);
    scenarios[scenario.name] = run;
    if (!run.ok) write(`\n${scenario.name} FAILED: ${run.error}\n`);
    for (const goal of run.goals ?? []) {
      const verdict = goal.met === null ? 'not judged' : goal.met ? 'MET' : 'NOT MET';
      write(`goal: ${goal.goal}: ${goal.value ?? '–'} (target ${goal.target}) ${verdict}\n`);
    }
    write(`(${scenario.name}: ${(run.durationMs / 1000).toFixed(1)} s)\n`);
    out.isDone = true;
    if (parallelism > 1) flush();
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: parallelism }, async () => {
      while (next < selected.length) await runOne(next++);
    }),
  );
  // Results in the order of the scenario list, whatever order they finished in.
  const ordered: Record<string, ScenarioRun> = {};
  for (const scenario of selected) ordered[scenario.name] = scenarios[scenario.name];
  const report = {
    date,
    command: `npm run bench --${args.names.length ? ' ' + args.names.join(' ') : ''}${args.isSmoke ? ' --smoke' : ''}${args.isJson ? ' --json' : ''}`,
    isSmoke: args.isSmoke,
    machine: { ...machine, loadAverageAtEnd: machineInfo().loadAverage },
    totalMs: Math.round(performance.now() - started),
    scenarios: ordered,
  };
  say(`\ntotal ${(report.totalMs / 1000).toFixed(1)} s, load average at the end ${report.machine.loadAverageAtEnd.join(' ')}`);
  if (args.isJson) {
    mkdirSync(dirname(args.out), { recursive: true });
    writeFileSync(args.out, JSON.stringify(report, null, 2) + '\n');
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  }
  process.exitCode = Object.values(scenarios).every((s) => s.ok) ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
