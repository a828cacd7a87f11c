import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');
const FIXTURE = join(__dirname, 'fixtures/pick-allocation.fixture.ts');
const STRATEGIES = ['p2c-ewma', 'round-robin', 'least-connections', 'weighted', 'random', 'consistent-hash'];

/** Bytes per pick of each built-in strategy, measured in a child node with `flags`. */
async function measure(flags: string[]): Promise<Record<string, number>> {
  const { stdout } = await run(
    process.execPath,
    ['--expose-gc', '--min-semi-space-size=64', '--max-semi-space-size=64', ...flags, '-r', './test/harness/register-ts.js', FIXTURE],
    { cwd: ROOT },
  );
  return (JSON.parse(stdout.trim().split('\n').pop()!) as { bytesPerPick: Record<string, number> }).bytesPerPick;
}

// "Picking allocates nothing per call" (DESIGN.md) must not depend on what TurboFan happens to
// inline: whether it inlines a helper depends on the order of concurrent compilations, so a
// double returned from a helper (p2c-ewma's cost, before) allocated 32-48 bytes per pick in
// about half of the processes. With inlining off every call boundary is real, so a double that
// crosses one shows up in every run.
describe('InstancePicker.pick allocation', () => {
  it.each([
    ['with TurboFan inlining off', ['--no-turbo-inlining']],
    ['with default flags', []],
  ])(
    'should allocate nothing per pick for every built-in strategy %s',
    async (_label, flags) => {
      const bytes = await measure(flags);
      expect(Object.keys(bytes).sort()).toEqual([...STRATEGIES].sort());
      for (const name of STRATEGIES) expect({ name, bytes: bytes[name] < 1 ? 0 : bytes[name] }).toEqual({ name, bytes: 0 });
    },
    120_000,
  );
});
