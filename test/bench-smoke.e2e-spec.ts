// `npm run bench -- --smoke --json` end to end: every scenario runs its real code paths with
// tiny counts (servers as child processes, Moleculer, Redis and etcd included) and must
// produce its figures. No timing is asserted: smoke timings mean nothing.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBinary } from './harness/servers';

const ROOT = join(__dirname, '..');
const SCENARIOS = ['overhead', 'peer', 'slow-instance', 'failover', 'pick-cost', 'registry-scale'];

interface Report {
  isSmoke: boolean;
  machine: { cores: number; cpuModel: string; node: string; loadAverage: number[] };
  date: string;
  scenarios: Record<
    string,
    { ok: boolean; error?: string; figures: Record<string, unknown>; ratios: Record<string, unknown>; goals: unknown[] }
  >;
}

describe('npm run bench -- --smoke --json', () => {
  let dir: string;
  let report: Report;
  let exitCode: number | null;
  let output = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orion-bench-smoke-'));
    const child = spawn(
      process.execPath,
      ['-r', './test/harness/register-ts.js', 'bench/run.ts', '--smoke', '--json', '--out', join(dir, 'latest.json')],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
    child.stdout.resume();
    exitCode = await new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    report = JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')) as Report;
  }, 150_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should run every scenario and exit 0', () => {
    const failed = Object.entries(report.scenarios)
      .filter(([, s]) => !s.ok)
      .map(([name, s]) => `${name}: ${s.error}`);
    expect({ failed, exitCode, tail: failed.length ? output.slice(-3000) : '' }).toEqual({ failed: [], exitCode: 0, tail: '' });
    expect(Object.keys(report.scenarios)).toEqual(SCENARIOS);
    expect(report.isSmoke).toBe(true);
    expect(report.machine.cores).toBeGreaterThan(0);
    expect(report.machine.node).toBe(process.version);
    expect(Number.isNaN(Date.parse(report.date))).toBe(false);
    for (const name of SCENARIOS) expect(report.scenarios[name].goals.length).toBeGreaterThan(0);
  });

  it.each([['overhead'], ['peer']])('%s: should give req/s and latency for every client at c=1, 16 and 128', (name) => {
    const { figures, ratios } = report.scenarios[name];
    expect(Object.keys(figures)).toEqual(['c1', 'c16', 'c128']);
    for (const level of Object.values(figures)) {
      for (const [client, result] of Object.entries(
        level as Record<string, { rps: number; errors: number; latency: { n: number; p99Ms: number } }>,
      )) {
        expect({ client, hasTraffic: result.rps > 0 && result.latency.n > 0, errors: result.errors }).toEqual({
          client,
          hasTraffic: true,
          errors: 0,
        });
      }
    }
    for (const value of Object.values(ratios)) expect(value).toBeGreaterThan(0);
  });

  it('slow-instance: should measure every strategy and Moleculer with the slow share', () => {
    const runs = report.scenarios['slow-instance'].figures.runs as Record<
      string,
      { requests: number; errors: number; slowShare: number; latency: { p999Ms: number } }
    >;
    for (const strategy of ['p2c-ewma', 'round-robin', 'least-connections', 'weighted', 'random', 'consistent-hash (keyed)']) {
      expect(runs[`slow, ${strategy}`]).toMatchObject({ errors: 0 });
      expect(runs[`slow, ${strategy}`].requests).toBeGreaterThan(0);
    }
    expect(runs['moleculer slow, RoundRobin'].slowShare).toBeGreaterThan(0);
    expect(runs['moleculer slow, Latency'].requests).toBeGreaterThan(0);
    expect(report.scenarios['slow-instance'].figures.healthyP99Ms).toBeGreaterThan(0);
  });

  it('failover: should count failures and time the dead instance out of rotation', () => {
    const [run] = report.scenarios.failover.figures.runs as Array<{ requests: number; failed: number; lastPickAfterKillMs: number | null }>;
    expect(run.requests).toBeGreaterThan(0);
    expect(typeof run.failed).toBe('number');
    expect(run.lastPickAfterKillMs).not.toBeNull();
  });

  it('pick-cost: should measure every strategy at 10, 1,000 and 10,000 instances', () => {
    const cells = report.scenarios['pick-cost'].figures.cells as Array<{
      strategy: string;
      instances: number;
      picksPerSecond: number;
      bytesPerPick: number;
    }>;
    expect(cells).toHaveLength(18);
    for (const cell of cells) expect(cell.picksPerSecond).toBeGreaterThan(0);
  });

  it('registry-scale: should measure file, and Redis and etcd where installed', () => {
    const figures = report.scenarios['registry-scale'].figures;
    for (const backend of ['file', 'redis', 'etcd']) {
      const binary = { file: 'none', redis: 'redis-server', etcd: 'etcd' }[backend]!;
      const measured = figures[backend] as {
        skipped?: string;
        registrationMs: number;
        propagationSequential: { fromIssue: { n: number } };
        lostChanges: number;
      };
      if (binary !== 'none' && !findBinary(binary) && process.env.CI !== 'true') {
        expect(measured.skipped).toBeDefined();
        continue;
      }
      expect(measured.registrationMs).toBeGreaterThan(0);
      expect(measured.propagationSequential.fromIssue.n).toBeGreaterThan(0);
      expect(measured.lostChanges).toBe(0);
    }
  });
});
