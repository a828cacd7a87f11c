import 'reflect-metadata';
import { Controller, Injectable, Module, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Registry } from 'prom-client';
import { lastValueFrom } from 'rxjs';
import {
  Endpoint,
  Msg,
  MsgContext,
  ProtocolError,
  ProtocolsModule,
  startProtocols,
  TcpClient,
  type BoundAddresses,
  type ProtocolMessage,
  type ProtocolsModuleOptions,
} from '@orion/protocols';
import { BalancedClientsModule, InjectBalancedClient, ServiceDiscoveryModule, type BalancedClientProxy } from '@orion/discovery';
import { eventually } from './harness/child-app';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text format samples (no escapes in our label values). */
function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

@Controller()
class GreeterController {
  @Endpoint('greet')
  greet(@Msg() req: { name?: string }, @MsgContext() msg: ProtocolMessage) {
    if (!req?.name) throw ProtocolError.invalidArgument('name is required');
    return { greeting: `hi ${req.name}`, via: msg.protocol };
  }
}

@Injectable()
class SelfCaller {
  constructor(@InjectBalancedClient('greeter') readonly client: BalancedClientProxy) {}
}

async function startApp(options: Partial<ProtocolsModuleOptions>, registry: string, withClient: boolean) {
  @Module({
    imports: [
      ProtocolsModule.forRoot({ http: {}, tcp: {}, logRequests: false, ...options }),
      ServiceDiscoveryModule.forRoot({ service: { name: 'greeter' }, registry, ttlMs: 3000 }),
      ...(withClient ? [BalancedClientsModule.register([{ service: 'greeter', transport: 'tcp' }])] : []),
    ],
    controllers: [GreeterController],
    providers: withClient ? [SelfCaller] : [],
  })
  class MetricsAppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [MetricsAppModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  const addresses = await startProtocols(app);
  return { app, addresses };
}

const scrape = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, contentType: res.headers.get('content-type'), text: await res.text() };
};

describe('GET /metrics on an app with HTTP and TCP', () => {
  let app: INestApplication;
  let addresses: BoundAddresses;
  let tcp: TcpClient;

  beforeAll(async () => {
    ({ app, addresses } = await startApp({}, `memory://metrics-e2e-${process.pid}`, true));
    tcp = new TcpClient({ host: addresses.tcp!.host, port: addresses.tcp!.port });
  });

  afterAll(async () => {
    await tcp?.close();
    await app?.close();
  });

  it('should count requests per protocol, pattern and outcome, with a latency histogram and the balancer metrics', async () => {
    const http = (body: unknown) =>
      fetch(`${addresses.http!.url}/greet`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await http({ name: 'a' })).status).toBe(200);
    expect((await http({ name: 'b' })).status).toBe(200);
    expect((await http({})).status).toBe(400);
    for (const name of ['x', 'y', 'z']) await lastValueFrom(tcp.send('greet', { name }));
    const client = app.get(SelfCaller).client;
    await client.connect();
    await eventually(async () => client.stats().instances.length === 1, 5000, 'balanced client sees the app');
    for (const name of ['p', 'q'])
      expect(await lastValueFrom(client.send('greet', { name }))).toEqual({ greeting: `hi ${name}`, via: 'tcp' });

    const { status, contentType, text } = await scrape(`${addresses.http!.url}/metrics`);
    expect(status).toBe(200);
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = parseSamples(text);
    expect(valueOf(samples, 'orion_requests_total', { protocol: 'http', pattern: 'greet', outcome: 'OK' })).toBe(2);
    expect(valueOf(samples, 'orion_requests_total', { protocol: 'http', pattern: 'greet', outcome: 'INVALID_ARGUMENT' })).toBe(1);
    // Three from TcpClient, two from the balanced client.
    expect(valueOf(samples, 'orion_requests_total', { protocol: 'tcp', pattern: 'greet', outcome: 'OK' })).toBe(5);
    expect(valueOf(samples, 'orion_request_duration_seconds_count', { protocol: 'http', pattern: 'greet' })).toBe(3);
    expect(valueOf(samples, 'orion_request_duration_seconds_count', { protocol: 'tcp', pattern: 'greet' })).toBe(5);
    expect(valueOf(samples, 'orion_request_duration_seconds_bucket', { protocol: 'tcp', pattern: 'greet', le: '+Inf' })).toBe(5);
    expect(valueOf(samples, 'orion_request_duration_seconds_sum', { protocol: 'tcp', pattern: 'greet' })).toBeGreaterThanOrEqual(0);
    expect(valueOf(samples, 'orion_requests_in_flight')).toBe(0);
    expect(text).toContain('# TYPE orion_request_duration_seconds histogram');
    expect(valueOf(samples, 'orion_client_requests_total', { service: 'greeter', transport: 'tcp' })).toBe(2);
    expect(valueOf(samples, 'orion_client_latency_seconds_count', { service: 'greeter', transport: 'tcp' })).toBe(2);
  });

  it('should not count the scrape itself', async () => {
    const before = parseSamples((await scrape(`${addresses.http!.url}/metrics`)).text);
    const after = parseSamples((await scrape(`${addresses.http!.url}/metrics`)).text);
    expect(after.filter((s) => s.name === 'orion_requests_total')).toEqual(before.filter((s) => s.name === 'orion_requests_total'));
  });
});

describe('metrics options', () => {
  it('should serve a custom path from a given registry, without the global metrics', async () => {
    const registry = new Registry();
    const { app, addresses } = await startApp(
      { metrics: { path: 'internal/metrics', registry } },
      `memory://metrics-opt-${process.pid}`,
      false,
    );
    try {
      await fetch(`${addresses.http!.url}/greet`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"name":"c"}',
      });
      expect((await scrape(`${addresses.http!.url}/metrics`)).status).toBe(404);
      const { status, text } = await scrape(`${addresses.http!.url}/internal/metrics`);
      expect(status).toBe(200);
      expect(valueOf(parseSamples(text), 'orion_requests_total', { protocol: 'http', pattern: 'greet', outcome: 'OK' })).toBe(1);
      expect(text).not.toContain('orion_client_');
    } finally {
      await app.close();
    }
  });

  it('should serve nothing with metrics: false', async () => {
    const { app, addresses } = await startApp({ metrics: false }, `memory://metrics-off-${process.pid}`, false);
    try {
      const res = await scrape(`${addresses.http!.url}/metrics`);
      expect(res.status).toBe(404);
      expect(JSON.parse(res.text)).toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      await app.close();
    }
  });
});
