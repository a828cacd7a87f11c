// `leader$` only watches (issue 14): an app that only subscribes to it must not take the lease.
import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { firstValueFrom, filter } from 'rxjs';
import { ServiceDiscoveryModule } from '../discovery.module';
import { LeaderElection } from './leader-election.service';

async function startApp(registry: string, name: string, shouldRegister: boolean): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [ServiceDiscoveryModule.forRoot({ service: { name }, registry, instanceId: name, shouldRegister })],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

describe('LeaderElection.leader$', () => {
  const apps: INestApplication[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  it('should watch without campaigning: a later candidate wins and the watcher sees it', async () => {
    const registry = `memory://leader-watch-${process.pid}`;
    const watcher = await startApp(registry, 'watcher', false);
    const candidate = await startApp(registry, 'candidate', true);
    apps.push(watcher, candidate);
    const seen = firstValueFrom(
      watcher
        .get(LeaderElection)
        .leader$('reports')
        .pipe(filter((state) => state !== null)),
    );
    expect(await candidate.get(LeaderElection).campaign('reports')).toBe(true);
    expect(await seen).toMatchObject({ group: 'reports', leaderId: 'candidate', isLocal: false });
    expect(watcher.get(LeaderElection).isLeader('reports')).toBe(false);
  });
});
