import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ProtocolError, VERSION_PIN_HEADER } from '@orion/protocols';
import {
  BalancedClientsModule,
  createRegistry,
  InjectBalancedClient,
  InvalidVersionRoutingError,
  ServiceDiscoveryModule,
  type BalancedClientProxy,
} from '@orion/discovery';
import { lastValueFrom } from 'rxjs';
import { ChildApp, eventually } from './harness/child-app';

// Real processes over TCP with the file registry: four 'work' instances of versions 2.0.0,
// 2.0.1, 2.1.0 (the canary) and 1.4.0 (outside the client's range), and a 'relay' process one
// hop in front of them. The caller in this process splits 90/10 between 2.0.x and 2.1.x.
const NODE = join(__dirname, 'fixtures/balanced-node.ts');
const RELAY = join(__dirname, 'fixtures/version-relay-node.ts');
const VERSIONS = ['2.0.0', '2.0.1', '2.1.0', '1.4.0'] as const;
const CALLS = 10_000;

interface WorkReply {
  id: string;
  versionPin: string | null;
}

@Injectable()
class Caller {
  constructor(
    @InjectBalancedClient('work') readonly work: BalancedClientProxy,
    @InjectBalancedClient('relay') readonly relay: BalancedClientProxy,
  ) {}
}

/** `count` calls of `call`, `concurrency` at a time; replies in order of arrival, failures apart. */
async function burst<T>(count: number, concurrency: number, call: () => Promise<T>): Promise<{ replies: T[]; failures: unknown[] }> {
  const replies: T[] = [];
  const failures: unknown[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      try {
        replies.push(await call());
      } catch (error) {
        failures.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { replies, failures };
}

/** The error a call ends with (fails the test when it succeeds). */
async function failureOf(call: Promise<unknown>): Promise<ProtocolError> {
  try {
    await call;
  } catch (error) {
    return error as ProtocolError;
  }
  throw new Error('the call succeeded');
}

describe('version-aware routing with real instances over TCP (file registry)', () => {
  let dir: string;
  let registryUrl: string;
  let caller: INestApplication;
  let work: BalancedClientProxy;
  let relay: BalancedClientProxy;
  const apps: ChildApp[] = [];
  /** Instance id -> version, from each child's ready event. */
  const versionOf = new Map<string, string>();
  const idOf = (version: string): string => [...versionOf].find(([, v]) => v === version)![0];

  const tally = (replies: readonly WorkReply[]): Record<string, number> => {
    const counts: Record<string, number> = Object.fromEntries(VERSIONS.map((v) => [v, 0]));
    for (const { id } of replies) counts[versionOf.get(id)!]++;
    return counts;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orion-version-routing-'));
    registryUrl = `file://${dir}`;
    const nodes = await Promise.all(
      VERSIONS.map((version) => ChildApp.start(NODE, { REGISTRY_URL: registryUrl, VERSION: version, LISTENERS: 'tcp', TTL_MS: '3000' })),
    );
    apps.push(...nodes);
    nodes.forEach((node, i) => versionOf.set(node.ready.instanceId, VERSIONS[i]));
    apps.push(await ChildApp.start(RELAY, { REGISTRY_URL: registryUrl, TTL_MS: '3000' }));

    const moduleRef = await Test.createTestingModule({
      imports: [
        ServiceDiscoveryModule.forRoot({ service: { name: 'caller' }, registry: registryUrl, shouldRegister: false }),
        BalancedClientsModule.register([
          {
            service: 'work',
            transport: 'tcp',
            strategy: 'round-robin',
            version: '^2.0.0',
            versionSplit: [
              { version: '2.0.x', weight: 90 },
              { version: '2.1.x', weight: 10 },
            ],
            timeoutMs: 10_000,
            metrics: false,
          },
          // One attempt: an answer of the relay is what the test checks, never a retry's.
          { service: 'relay', transport: 'tcp', timeoutMs: 10_000, metrics: false, retry: { maxAttempts: 1 } },
        ]),
      ],
      providers: [Caller],
    }).compile();
    caller = moduleRef.createNestApplication({ logger: false });
    await caller.init();
    ({ work, relay } = caller.get(Caller));
    await Promise.all([work.connect(), relay.connect()]);
    const registry = createRegistry(registryUrl);
    try {
      await eventually(async () => (await registry.list('work')).filter((i) => i.status === 'passing').length === 4, 20_000, '4 passing');
      await eventually(async () => (await registry.list('relay')).some((i) => i.status === 'passing'), 20_000, 'relay passing');
    } finally {
      await registry.close();
    }
    await eventually(
      () =>
        work
          .stats()
          .versions?.map((v) => v.instances)
          .join() === '2,1',
      10_000,
      'caller sees the split',
    );
    await eventually(() => relay.stats().instances.length === 1, 10_000, 'caller sees the relay');
  }, 120_000);

  afterAll(async () => {
    await caller?.close();
    for (const app of apps) app.kill('SIGKILL');
    await Promise.all(apps.map((a) => a.exited));
    rmSync(dir, { recursive: true, force: true });
  });

  it('should list every instance with its version and the split subsets', () => {
    const stats = work.stats();
    expect(stats.instances.map((i) => i.version).sort()).toEqual([...VERSIONS].sort());
    expect(stats.versions).toEqual([
      { version: '2.0.x', weight: 90, instances: 2, picks: 0 },
      { version: '2.1.x', weight: 10, instances: 1, picks: 0 },
    ]);
  });

  it(`should split ${CALLS} calls exactly 90/10 between 2.0.x and 2.1.x and never call 1.x`, async () => {
    const before = work.stats();
    const { replies, failures } = await burst(CALLS, 4, () => lastValueFrom(work.send<WorkReply>('work', {})));
    expect(failures).toEqual([]);
    const counts = tally(replies);
    expect(counts['2.0.0'] + counts['2.0.1']).toBe(CALLS * 0.9);
    expect(counts['2.1.0']).toBe(CALLS * 0.1);
    expect(counts['1.4.0']).toBe(0);
    // round-robin inside the 2.0.x subset
    expect(counts['2.0.0']).toBe(CALLS * 0.45);
    const after = work.stats();
    expect(after.retries - before.retries).toBe(0);
    expect(after.versions!.map((v) => v.picks)).toEqual([CALLS * 0.9, CALLS * 0.1]);
  }, 180_000);

  it('should send every call pinned by the header to the canary, and forward the pin', async () => {
    const pin = 'relay@*, work@2.1.x';
    const { replies, failures } = await burst(50, 4, () =>
      lastValueFrom(work.send<WorkReply>('work', {}, { headers: { [VERSION_PIN_HEADER]: pin } })),
    );
    expect(failures).toEqual([]);
    expect(tally(replies)['2.1.0']).toBe(50);
    expect(new Set(replies.map((r) => r.versionPin))).toEqual(new Set([pin]));
  });

  it('should pin a call with the per-call version option, even outside the split', async () => {
    const { replies } = await burst(20, 2, () => lastValueFrom(work.send<WorkReply>('work', {}, { version: '~2.0.1' })));
    expect(tally(replies)['2.0.1']).toBe(20);
  });

  it('should carry the pin through one intermediate hop to the canary', async () => {
    const pin = 'work@2.1.x';
    const pinned = await burst(30, 3, () =>
      lastValueFrom(relay.send<WorkReply>('relay.work', {}, { headers: { [VERSION_PIN_HEADER]: pin } })),
    );
    expect(pinned.failures).toEqual([]);
    expect(pinned.replies.every((r) => r.id === idOf('2.1.0'))).toBe(true);
    // The relay read the pin from its inbound request and forwarded it on its own call.
    expect(pinned.replies.every((r) => r.versionPin === pin)).toBe(true);
    // Unpinned, the relay (round robin, no version option) reaches other instances too.
    const free = await burst(8, 1, () => lastValueFrom(relay.send<WorkReply>('relay.work', {})));
    expect(new Set(free.replies.map((r) => r.id)).size).toBeGreaterThan(1);
  });

  it.each([
    ['3.x', 'no instance has that version'],
    ['1.x', 'the only 1.x instance is outside the client-wide range'],
  ])('should fail a call pinned to %s with UNAVAILABLE naming service and range (%s)', async (range) => {
    const error = await failureOf(lastValueFrom(work.send('work', {}, { headers: { [VERSION_PIN_HEADER]: `work@${range}` } })));
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.message).toContain("'work'");
    expect(error.message).toContain(`'${range}'`);
  });

  it('should fail a pin through the relay that matches nothing with UNAVAILABLE from the hop', async () => {
    const error = await failureOf(lastValueFrom(relay.send('relay.work', {}, { headers: { [VERSION_PIN_HEADER]: 'work@9.x' } })));
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.message).toContain("'9.x'");
  });

  it('should refuse a pin that is not a range with INVALID_ARGUMENT', async () => {
    const error = await failureOf(lastValueFrom(work.send('work', {}, { version: 'two-point-one' })));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain('two-point-one');
  });

  it('should refuse a bad range at registration, naming the option and the value', () => {
    expect(() => BalancedClientsModule.register([{ service: 'work', transport: 'tcp', version: '^2.0.0.0' }])).toThrow(
      InvalidVersionRoutingError,
    );
    expect(() =>
      BalancedClientsModule.register([{ service: 'work', transport: 'tcp', versionSplit: [{ version: '2.0.x', weight: -1 }] }]),
    ).toThrow(/'versionSplit\[0\]\.weight'.*-1/);
  });

  it('should give the canary share to 2.0.x when the canary leaves, and stop naming it', async () => {
    const canary = apps[VERSIONS.indexOf('2.1.0')];
    canary.kill('SIGTERM');
    await canary.exited;
    await eventually(() => work.stats().versions?.[1].instances === 0, 20_000, 'canary gone from the split');
    const { replies, failures } = await burst(200, 4, () => lastValueFrom(work.send<WorkReply>('work', {})));
    expect(failures).toEqual([]);
    expect(tally(replies)).toEqual({ '2.0.0': 100, '2.0.1': 100, '2.1.0': 0, '1.4.0': 0 });
  }, 60_000);
});
