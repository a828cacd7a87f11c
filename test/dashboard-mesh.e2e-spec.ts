// The dashboard in a real browser (headless Chromium through playwright-core) against a
// demo mesh the test starts: it shows the instances, and an instance killed with SIGKILL
// disappears from the page without a reload; the launcher's replacement shows its restart.
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
const describeWithChromium = chromiumPath ? describe : describe.skip;

describeWithChromium('dashboard in a browser', () => {
  let mesh: LaunchedMesh;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mesh = await LaunchedMesh.start(['--orders', '2', '--inventory', '2', '--traffic', '3'], { isCompiled: false });
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
