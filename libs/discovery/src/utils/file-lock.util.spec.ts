import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LockTimeoutError } from '../errors/lock-timeout.error';
import { withFileLock } from './file-lock.util';

describe('withFileLock', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'orion-lock-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('should serialise read-modify-write cycles of concurrent callers', async () => {
    const counter = join(dir, 'counter');
    await writeFile(counter, '0');
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      Array.from({ length: 30 }, () =>
        withFileLock(join(dir, 'counter.lock'), async () => {
          maxInside = Math.max(maxInside, ++inside);
          const value = Number(await readFile(counter, 'utf8'));
          await new Promise((resolve) => setImmediate(resolve));
          await writeFile(counter, String(value + 1));
          inside--;
        }),
      ),
    );
    expect(await readFile(counter, 'utf8')).toBe('30');
    expect(maxInside).toBe(1);
  });

  it('should release the lock when the critical section throws', async () => {
    const lock = join(dir, 'x.lock');
    await expect(withFileLock(lock, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(withFileLock(lock, async () => 'again', { timeoutMs: 200 })).resolves.toBe('again');
  });

  it('should break a stale lock and time out on a fresh one', async () => {
    const lock = join(dir, 'x.lock');
    await writeFile(lock, 'someone');
    await expect(withFileLock(lock, async () => 'never', { staleMs: 5000, timeoutMs: 100 })).rejects.toThrow(LockTimeoutError);
    const old = new Date(Date.now() - 10_000);
    await utimes(lock, old, old);
    await expect(withFileLock(lock, async () => 'broken', { staleMs: 5000, timeoutMs: 100 })).resolves.toBe('broken');
  });
});
