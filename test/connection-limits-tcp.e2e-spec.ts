import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { startProtocols } from '@orion/protocols';
import { BadInputFixtureModule } from './fixtures/orders.fixture';
import { TcpProbe } from './harness/raw-clients';

// Clients that connect and never send, and more clients than the listener admits.
async function startTcpApp(tcp: { maxConnections: number; idleTimeoutMs: number }): Promise<{ app: INestApplication; port: number }> {
  const moduleRef = await Test.createTestingModule({ imports: [BadInputFixtureModule.with({ tcp: { port: 0, ...tcp } })] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  const addresses = await startProtocols(app);
  return { app, port: addresses.tcp!.port };
}

describe('TCP connection limits (maxConnections, idleTimeoutMs)', () => {
  let app: INestApplication;
  let port: number;

  beforeAll(async () => {
    ({ app, port } = await startTcpApp({ maxConnections: 3, idleTimeoutMs: 400 }));
  });

  afterAll(async () => {
    await app?.close();
  });

  it('should serve others while clients sit idle, then close the idle ones after idleTimeoutMs', async () => {
    const idle = [await TcpProbe.open(port), await TcpProbe.open(port)];
    const active = await TcpProbe.open(port);
    try {
      expect(await active.request({ id: 'a', pattern: 'echo', data: { text: 'busy' } })).toMatchObject({
        response: { echoed: { text: 'busy' } },
      });
      for (const socket of idle) expect(await socket.closed(2000, socket.openedAt)).toBeGreaterThanOrEqual(350);
    } finally {
      [...idle, active].forEach((s) => s.close());
    }
  });

  it('should hold maxConnections when many connect at once, closing the excess at once, and accept again when one leaves', async () => {
    const burst = await Promise.all(Array.from({ length: 12 }, () => TcpProbe.open(port)));
    try {
      await new Promise((r) => setTimeout(r, 100));
      const open = burst.filter((s) => !s.isClosed);
      expect(open).toHaveLength(3);
      for (const refused of burst.filter((s) => s.isClosed)) {
        expect(refused.closedAt! - refused.openedAt).toBeLessThan(200);
        expect(refused.packets).toEqual([]);
      }
      expect(await open[0].request({ id: 'a', pattern: 'echo', data: { text: 'held' } })).toMatchObject({
        response: { echoed: { text: 'held' } },
      });
      open[1].close();
      await new Promise((r) => setTimeout(r, 50));
      const next = await TcpProbe.open(port);
      try {
        expect(await next.request({ id: 'b', pattern: 'echo', data: { text: 'room' } })).toMatchObject({
          response: { echoed: { text: 'room' } },
        });
      } finally {
        next.close();
      }
    } finally {
      burst.forEach((s) => s.close());
    }
  });
});
