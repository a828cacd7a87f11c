import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeLeaderElectorContract } from '../testing/leader-elector.contract';
import { FileLeaderElector } from './file-leader-elector';

describeLeaderElectorContract('FileLeaderElector', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'orion-leader-'));
  return {
    createElector: () => new FileLeaderElector({ directory }),
    dispose: () => rm(directory, { recursive: true, force: true }),
  };
});

describe(FileLeaderElector.name, () => {
  let directory: string;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'orion-leader-'));
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  describe('campaign', () => {
    it('should keep holder and token counter in <dir>/leaders/<group>.json, also after resign', async () => {
      const elector = new FileLeaderElector({ directory });
      const lease = await elector.campaign('jobs', 'a', { ttlMs: 1000 });
      const file = join(directory, 'leaders', 'jobs.json');
      expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({
        format: 1,
        group: 'jobs',
        lastToken: 1,
        holder: { leaderId: 'a', ownerId: elector.ownerId, fencingToken: 1, expiresAt: lease!.expiresAt },
      });
      await elector.resign(lease!);
      expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ lastToken: 1, holder: null });
      await elector.close();
    });

    it('should break a stale lock left by a dead process', async () => {
      await mkdir(join(directory, 'leaders'), { recursive: true });
      const lock = join(directory, 'leaders', 'jobs.lock');
      await writeFile(lock, 'dead');
      const elector = new FileLeaderElector({ directory, lockStaleMs: 200 });
      const started = Date.now();
      expect(await elector.campaign('jobs', 'a', { ttlMs: 1000 })).not.toBeNull();
      expect(Date.now() - started).toBeGreaterThanOrEqual(150);
      await elector.close();
    });

    it('should continue the token sequence of a previous process', async () => {
      await mkdir(join(directory, 'leaders'), { recursive: true });
      const expired = { leaderId: 'old', ownerId: 'dead', fencingToken: 41, acquiredAt: 0, expiresAt: 1, ttlMs: 1 };
      await writeFile(
        join(directory, 'leaders', 'jobs.json'),
        JSON.stringify({ format: 1, group: 'jobs', lastToken: 41, holder: expired }),
      );
      const elector = new FileLeaderElector({ directory });
      expect(await elector.campaign('jobs', 'a', { ttlMs: 1000 })).toMatchObject({ fencingToken: 42 });
      await elector.close();
    });
  });
});
