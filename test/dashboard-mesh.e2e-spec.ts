// The dashboard in a real browser (headless Chromium through playwright-core) against a
// demo mesh the test starts: it shows the instances, and an instance killed with SIGKILL
// disappears from the page without a reload; the launcher's replacement shows its restart.
// A request placed on the gateway shows up as a trace waterfall across the services (the
// processes export OTLP to the gateway); the balancers show the protocol and version of each
// instance, and with `--canary 1` the 90/10 version split of the clients to inventory.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { LaunchedMesh, REPO_ROOT, waitUntil } from '../apps/mesh/test/launched-mesh';
import { requireServerBinary } from './harness/servers';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const chromiumPath = requireServerBinary('chromium');
const JSON_HEADERS = { 'content-type': 'application/json' };
/** The trace id the test's request carries in its own traceparent. */
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const describeWithChromium = chromiumPath ? describe : describe.skip;

describeWithChromium('dashboard in a browser', () => {
  let mesh: LaunchedMesh;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mesh = await LaunchedMesh.start(['--orders', '2', '--inventory', '2', '--traffic', '3', '--canary', '1'], { isCompiled: false });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await mesh?.destroy();
  });

  it('should show every instance of the demo, live', async () => {
    await page.goto(mesh.dashboardUrl);
    await page.locator('#connection[data-state="live"]').waitFor({ timeout: 10_000 });
    await expectRows(page, '[data-service="orders"] tr[data-instance-id]', 2);
    await expectRows(page, '[data-service="inventory"] tr[data-instance-id]', 2);
    await expectRows(page, '[data-service="gateway"] tr[data-instance-id]', 1);
    // One inventory instance leads the restock group; the gateway's balancer to orders is shown.
    await page.locator('[data-service="inventory"] .leader').first().waitFor({ timeout: 10_000 });
    await page.locator('[data-client$="->orders"]').waitFor({ timeout: 10_000 });
    await page.locator('[data-advice="orders"]').waitFor({ timeout: 10_000 });
    const pids = await page.locator('tr[data-instance-id] td.mono.num').allTextContents();
    expect(pids.map(Number).sort()).toEqual([...mesh.readyPids.values()].sort());
  }, 30_000);

  it('should show a request placed on the gateway as a waterfall across gateway, orders and inventory', async () => {
    // No background orders from here on: the trace list then keeps this request's trace in view.
    await fetch(`${mesh.gatewayUrl}/api/demo/traffic`, { method: 'POST', headers: JSON_HEADERS, body: '{"rps":0}' });
    // The caller's own traceparent: the gateway's server span continues its trace id.
    const response = await fetch(`${mesh.gatewayUrl}/api/orders`, {
      method: 'POST',
      headers: { ...JSON_HEADERS, traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` },
      body: JSON.stringify({ sku: 'apple', qty: 1 }),
    });
    expect(response.ok).toBe(true);
    const item = page.locator(`#traces li[data-trace-id="${TRACE_ID}"]`);
    await item.waitFor({ timeout: 20_000 });
    await item.click();
    const rowSelector = `#waterfall[data-trace-id="${TRACE_ID}"] .span-row[data-span-id]`;
    const rows = page.locator(rowSelector);
    // Each process flushes its spans on its own schedule; the page redraws as they arrive.
    const services = await waitUntil(
      async () => {
        const seen = await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-service')));
        return ['gateway', 'orders', 'inventory'].every((s) => seen.includes(s)) && seen;
      },
      20_000,
      'spans of gateway, orders and inventory in the waterfall',
    );
    expect(services.length).toBeGreaterThanOrEqual(5);
    // Every span has a bar on the time axis, indented by its parent.
    for (const bar of await rows.locator('.span-bar').all()) expect((await bar.boundingBox())!.width).toBeGreaterThan(0);
    const depth = async (service: string) =>
      Number(await page.locator(`${rowSelector}[data-service="${service}"]`).first().getAttribute('data-depth'));
    expect(await depth('gateway')).toBe(0);
    expect(await depth('orders')).toBeGreaterThan(await depth('gateway'));
    expect(await depth('inventory')).toBeGreaterThan(await depth('orders'));
    const labels = await rows.locator('.span-label').allTextContents();
    expect(labels.some((l) => l.includes('orders.create') && l.includes('tcp'))).toBe(true);
    expect(labels.some((l) => l.includes('inventory.reserve') && l.includes('grpc'))).toBe(true);
  }, 60_000);

  it('should show the protocol and version of each balanced instance, and the version split', async () => {
    const toInventory = page.locator('[data-client^="orders-"][data-client$="->inventory"]').first();
    await toInventory.waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-client$="->orders"] td.protocol').allTextContents()).toEqual(['tcp', 'tcp']);
    expect(await toInventory.locator('td.protocol').allTextContents()).toEqual(['grpc', 'grpc']);
    expect((await toInventory.locator('td.version').allTextContents()).sort()).toEqual(['0.1.0', '0.2.0']);
    // --canary 1: the second inventory instance runs 0.2.0 and the clients split 90/10.
    const split = toInventory.locator('[data-version-split="inventory"]');
    expect(await split.locator('tr[data-version]').evaluateAll((els) => els.map((el) => el.getAttribute('data-version')))).toEqual([
      '0.1.x',
      '0.2.x',
    ]);
    expect(await split.locator('tr[data-version="0.1.x"] td.num').first().textContent()).toBe('90%');
  });

  it('should drop a killed instance from the page without a reload, then show its restart', async () => {
    const snapshot = await mesh.snapshot();
    const victim = snapshot.services.find((s) => s.name === 'orders')!.instances[1];
    // Marks this page load: a reload would lose it.
    await page.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true));
    process.kill(victim.pid!, 'SIGKILL');
    await page.locator(`tr[data-instance-id="${victim.id}"]`).waitFor({ state: 'detached', timeout: 15_000 });
    await page.locator('#events li', { hasText: `${victim.id} left orders` }).waitFor({ timeout: 5000 });
    // The launcher restarts it (a new instance id), and the page marks the restart.
    await page.locator('[data-service="orders"] tr[data-instance-id] .restarts').waitFor({ timeout: 30_000 });
    await expectRows(page, '[data-service="orders"] tr[data-instance-id]', 2);
    expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    mkdirSync(join(REPO_ROOT, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(REPO_ROOT, 'test-artifacts/dashboard.png'), fullPage: true });
  }, 60_000);
});

async function expectRows(page: Page, selector: string, count: number): Promise<void> {
  await waitUntil(async () => (await page.locator(selector).count()) === count, 10_000, `${count} × ${selector}`);
}
