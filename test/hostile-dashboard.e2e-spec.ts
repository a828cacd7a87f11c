// Issue 15, point 7: forged `mesh.telemetry` against a real demo mesh (the launcher, as
// `npm start` runs it). An outside client may not publish it at all (broker ACL); what a
// mesh process publishes is checked, bounded and rate limited by the gateway; and the page
// renders a snapshot with missing lists instead of emptying every panel. Forged OTLP exports
// (no token, protobuf, junk, markup names, more spans than a trace keeps) are refused or
// bounded, and the waterfall shows forged names as text.
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import mqtt, { type MqttClient as MqttJs } from 'mqtt';
import { LaunchedMesh, waitUntil } from '../apps/mesh/test/launched-mesh';
import type { MeshSnapshot } from '../apps/mesh/src/gateway/mesh-view.service';
import type { TraceDetail } from '../apps/mesh/src/gateway/traces/trace.store';
import { OTLP_TOKEN_HEADER } from '../apps/mesh/src/shared/mesh.constants';
import { requireServerBinary } from './harness/servers';

const WAIT_MS = 20_000;
const chromiumPath = requireServerBinary('chromium');
const itWithChromium = chromiumPath ? it : it.skip;

/** The environment a mesh process got from the launcher: what anyone running as the same user can read. */
function processEnv(pid: number): Map<string, string> {
  return new Map(
    readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
  );
}

/** The MQTT credentials a mesh process got from the launcher. */
function meshCredentials(pid: number): { username: string; password: string } {
  const env = processEnv(pid);
  return { username: env.get('MQTT_USERNAME')!, password: env.get('MQTT_PASSWORD')! };
}

/** A hostile OTLP export: a markup name, control characters, long names, more spans than a trace keeps. */
const HOSTILE_TRACE = 'badc0ffee0ddf00dbadc0ffee0ddf00d';
const MARKUP = '<img src=x onerror="globalThis.pwned=1">';
const hostileExport = () => ({
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: `<b>svc</b>\u001b[2J${'s'.repeat(300)}` } }] },
      scopeSpans: [
        {
          spans: Array.from({ length: 400 }, (_, i) => ({
            traceId: HOSTILE_TRACE,
            spanId: (i + 1).toString(16).padStart(16, '0'),
            parentSpanId: i === 0 ? '' : '0000000000000001',
            name: i === 0 ? MARKUP : `${'n'.repeat(300)}${i}`,
            kind: 2,
            startTimeUnixNano: String(1_700_000_000_000_000_000n + BigInt(i) * 1000n),
            endTimeUnixNano: String(1_700_000_000_001_000_000n),
            status: { code: i % 2 === 0 ? 2 : 0, message: MARKUP },
            attributes: [{ key: 'orion.protocol', value: { stringValue: MARKUP } }],
          })),
        },
      ],
    },
  ],
});

const telemetry = (data: unknown) => JSON.stringify({ pattern: 'mesh.telemetry', data });

describe('dashboard telemetry against forged messages', () => {
  let mesh: LaunchedMesh;
  let snapshot: MeshSnapshot;
  let inventoryId: string;
  let meshPublisher: MqttJs;
  const dropped = async (reason: string) => ((await mesh.snapshot()).telemetry.dropped as Record<string, number | undefined>)[reason] ?? 0;
  const waitForDropped = (reason: string, atLeast: number) =>
    waitUntil(async () => (await dropped(reason)) >= atLeast, WAIT_MS, `${atLeast} × dropped ${reason}`);

  beforeAll(async () => {
    mesh = await LaunchedMesh.start(['--orders', '1', '--inventory', '1', '--traffic', '0'], { isCompiled: false });
    snapshot = await mesh.snapshot();
    inventoryId = snapshot.services.find((s) => s.name === 'inventory')!.instances[0].id;
    meshPublisher = await mqtt.connectAsync(snapshot.broker, {
      protocolVersion: 4,
      reconnectPeriod: 0,
      ...meshCredentials(mesh.readyPids.get('inventory-1')!),
    });
  }, 120_000);

  afterAll(async () => {
    await meshPublisher?.endAsync(true);
    await mesh?.destroy();
  });

  it('should refuse telemetry from a client outside the mesh (the kiosk user) and anonymous ones', async () => {
    const kioskUrl = /node scripts\/call\.js mqtt (\S+) /.exec(mesh.output)![1];
    expect(new URL(kioskUrl).username).toBe('orion-client');
    expect(snapshot.broker).not.toContain('@');
    const kiosk = await mqtt.connectAsync(kioskUrl, { protocolVersion: 4, reconnectPeriod: 0 });
    kiosk.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => kiosk.once('close', () => resolve()));
    kiosk.publish('mesh.telemetry', telemetry({ instanceId: inventoryId, clients: [] }), { qos: 1 });
    await closed;
    const anonymous = await mqtt.connectAsync(snapshot.broker, { protocolVersion: 4, reconnectPeriod: 0 }).then(
      (c) => (c.end(true), 'connected'),
      (error: { code?: number }) => error.code,
    );
    expect(anonymous).toBe(4);
  });

  it('should take a client without an instances array as one with none', async () => {
    await meshPublisher.publishAsync(
      'mesh.telemetry',
      telemetry({ instanceId: inventoryId, clients: [{ service: 'ghost', transport: 'tcp', strategy: 'forged', requests: 'many' }] }),
      { qos: 1 },
    );
    const ghost = await waitUntil(
      async () => (await mesh.snapshot()).balancers.find((b) => b.owner === inventoryId && b.stats.service === 'ghost'),
      WAIT_MS,
      'the ghost balancer in the snapshot',
    );
    expect(ghost.stats).toMatchObject({ instances: [], requests: 0, strategy: 'forged', isStale: false });
  });

  it('should drop a 1 MB message, one for an unknown instance and one without clients, counting each', async () => {
    const before = { large: await dropped('too-large'), unknown: await dropped('unknown-instance'), bad: await dropped('bad-clients') };
    // For the gateway's id: it publishes no telemetry, so nothing of it was taken lately (no rate limit).
    const huge = {
      instanceId: snapshot.gateway,
      clients: [{ service: 'huge', transport: 'tcp', strategy: 'x', instances: [{ id: 'x'.repeat(1e6) }] }],
    };
    await meshPublisher.publishAsync('mesh.telemetry', telemetry(huge), { qos: 1 });
    await meshPublisher.publishAsync('mesh.telemetry', telemetry({ instanceId: 'orders-9-999999', clients: [] }), { qos: 1 });
    await meshPublisher.publishAsync('mesh.telemetry', telemetry({ instanceId: inventoryId }), { qos: 1 });
    await waitForDropped('too-large', before.large + 1);
    await waitForDropped('unknown-instance', before.unknown + 1);
    await waitUntil(
      async () => (await dropped('bad-clients')) + (await dropped('rate-limited')) >= before.bad + 1,
      WAIT_MS,
      'the message without clients dropped',
    );
    const after = await mesh.snapshot();
    expect(after.balancers.some((b) => b.stats.service === 'huge' || b.owner === 'orders-9-999999')).toBe(false);
    expect(Buffer.byteLength(JSON.stringify(after))).toBeLessThan(256 * 1024);
  });

  it('should rate limit one instance id (a burst is mostly dropped)', async () => {
    const before = await mesh.snapshot();
    const burst = 50;
    for (let i = 0; i < burst; i++) {
      meshPublisher.publish('mesh.telemetry', telemetry({ instanceId: inventoryId, clients: [] }), { qos: 1 });
    }
    await meshPublisher.publishAsync('mesh.telemetry', telemetry({ instanceId: inventoryId, clients: [] }), { qos: 1 });
    const counted = (s: MeshSnapshot) => s.telemetry.accepted + Object.values(s.telemetry.dropped).reduce((a, b) => a + (b ?? 0), 0);
    const after = await waitUntil(
      async () => {
        const s = await mesh.snapshot();
        return counted(s) - counted(before) >= burst + 1 && s;
      },
      WAIT_MS,
      'the burst counted',
    );
    expect((after.telemetry.dropped['rate-limited'] ?? 0) - (before.telemetry.dropped['rate-limited'] ?? 0)).toBeGreaterThan(0);
    expect(after.telemetry.accepted - before.telemetry.accepted).toBeLessThan(burst);
  });

  it('should take OTLP exports only with the launcher token, as JSON, and keep what a forger sends bounded', async () => {
    const receiver = `${mesh.gatewayUrl}/v1/traces`;
    const token = processEnv(mesh.readyPids.get('gateway-1')!).get('MESH_OTLP_TOKEN')!;
    expect(token).toMatch(/^[0-9a-f]{48}$/);
    const post = (headers: Record<string, string>, body: string) => fetch(receiver, { method: 'POST', headers, body });
    const json = { 'content-type': 'application/json' };
    expect((await post(json, JSON.stringify(hostileExport()))).status).toBe(403);
    expect((await post({ ...json, [OTLP_TOKEN_HEADER]: 'guess' }, '{}')).status).toBe(403);
    const withToken = { ...json, [OTLP_TOKEN_HEADER]: token };
    expect((await post({ ...withToken, 'content-type': 'application/x-protobuf' }, '\u0000\u0001')).status).toBe(415);
    expect((await post(withToken, '{"resourceSpans": [')).status).toBe(400);
    const response = await post(withToken, JSON.stringify(hostileExport()));
    expect(response.status).toBe(200);
    expect(((await response.json()) as { partialSuccess: { rejectedSpans: number } }).partialSuccess.rejectedSpans).toBe(200);
    const trace = (await (await fetch(`${mesh.gatewayUrl}/api/traces/${HOSTILE_TRACE}`)).json()) as TraceDetail;
    expect(trace).toMatchObject({ spanCount: 200, droppedSpans: 200, name: MARKUP });
    expect(Math.max(...trace.spans.map((span) => span.name.length))).toBeLessThanOrEqual(128);
    expect(trace.spans[0].service).not.toContain('\u001b');
    // The mesh keeps serving its dashboard.
    expect((await fetch(`${mesh.gatewayUrl}/api/mesh`)).status).toBe(200);
  });

  itWithChromium(
    'should show forged span names and attributes as text in the waterfall, never as markup',
    async () => {
      const { chromium } = await import('playwright-core');
      let browser: Browser | undefined;
      try {
        browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
        const page = await browser.newPage();
        await page.goto(`${mesh.dashboardUrl}#trace=${HOSTILE_TRACE}`);
        const first = page.locator(`#waterfall[data-trace-id="${HOSTILE_TRACE}"] .span-row[data-span-id] .span-name`).first();
        await first.waitFor({ timeout: WAIT_MS });
        expect(await first.textContent()).toContain(MARKUP);
        expect(await page.locator('#waterfall img, #traces img').count()).toBe(0);
        expect(await page.evaluate(() => (globalThis as unknown as { pwned?: number }).pwned)).toBeUndefined();
      } finally {
        await browser?.close();
      }
    },
    60_000,
  );

  itWithChromium(
    'should render the other panels when a snapshot lacks lists (page hardening)',
    async () => {
      const { chromium } = await import('playwright-core');
      let browser: Browser | undefined;
      try {
        browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
        const page = await browser.newPage();
        const broken = {
          ...snapshot,
          services: [{ name: 'lonely' }, ...snapshot.services],
          balancers: [{ owner: 'forged', stats: { service: 'nothing' } }, ...snapshot.balancers],
          leaders: undefined,
        };
        await page.route('**/api/mesh/stream', (route) =>
          route.fulfill({ status: 200, contentType: 'text/event-stream', body: `retry: 60000\ndata: ${JSON.stringify(broken)}\n\n` }),
        );
        await page.goto(mesh.dashboardUrl);
        await page.locator('[data-service="lonely"]', { hasText: 'no instances' }).waitFor({ timeout: WAIT_MS });
        await page.locator('[data-service="inventory"] tr[data-instance-id]').first().waitFor({ timeout: WAIT_MS });
        await page.locator('[data-client="forged->nothing"]').waitFor({ timeout: WAIT_MS });
      } finally {
        await browser?.close();
      }
    },
    60_000,
  );
});
