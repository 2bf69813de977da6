/**
 * The HTML report in real headless Chromium (Debian `chromium`, driven by playwright-core): it loads from
 * file:// with no console error and no request but the file itself, the charts render, filters and search
 * work, the print stylesheet hides the controls, and `--format pdf` prints it. Screenshots go to
 * docs/screenshots/ when BULWARK_SCREENSHOTS=1 (otherwise to the test's temporary directory).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { reportFixture, type ReportFixture } from './report-testing.js';
import { show } from './testing.js';
import { examplePlantCapture } from '../zones/testing.js';
import type { ZonesReport } from '../zones/report.js';

const CHROMIUM = process.env['BULWARK_CHROMIUM'] ?? '/usr/bin/chromium';
const HAVE = fs.existsSync(CHROMIUM);
const REPO = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  ...(import.meta.url.includes('/dist/') ? ['..'] : []),
);
if (!HAVE)
  console.error(
    `SKIPPED: ${CHROMIUM} not found (Debian package chromium): HTML report browser tests not run`,
  );

let fx: ReportFixture;
let ctx: BrowserContext | undefined;
let profile: string;
const shots = () =>
  process.env['BULWARK_SCREENSHOTS'] === '1'
    ? path.join(REPO, 'docs', 'screenshots')
    : path.join(fx.dir, 'shots');

before(async () => {
  if (!HAVE) return;
  fx = await reportFixture();
  const { chromium } = await import('playwright-core');
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-chromium-'));
  ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1200, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});
after(async () => {
  await ctx?.close();
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
});

/** Renders a report and opens it; fails on any console error, page error or request other than the file. */
async function open(args: string[], name: string): Promise<{ page: Page; problems: string[]; file: string }> {
  const file = path.join(fx.dir, `${name}.html`);
  const r = await fx.run(['report', '--db', fx.db, ...args, '--format', 'html', '--out', file]);
  assert.equal(r.code, 0, show(r));
  return openFile(file);
}

/** Opens an HTML file written by Bulwark, recording console errors, page errors and requests. */
async function openFile(file: string): Promise<{ page: Page; problems: string[]; file: string }> {
  const page = await ctx!.newPage();
  const problems: string[] = [];
  const url = new URL(`file://${file}`).href;
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.route('**/*', async (route) => {
    if (route.request().url() === url) await route.continue();
    else {
      problems.push(`request: ${route.request().url()}`);
      await route.abort();
    }
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, problems, file };
}

// Evaluated in the page (a string: this project compiles without the DOM types).
const visible = async (page: Page, scope: string): Promise<number> =>
  Number(
    await page.evaluate(
      `[...document.querySelectorAll(${JSON.stringify(`${scope} .row`)})].filter((r) => !r.classList.contains('hidden')).length`,
    ),
  );

test(
  'asset report: loads offline, charts render, filters and search work',
  { skip: !HAVE && 'SKIPPED: chromium not installed' },
  async () => {
    const { page, problems } = await open(['--asset', 'web-1'], 'asset');
    const json = JSON.parse(
      (await fx.run(['report', '--db', fx.db, '--asset', 'web-1', '--format', 'json'])).stdout,
    ) as { results: { rule: string; status: string }[] };
    const charts = page.locator('svg.chart');
    assert.ok((await charts.count()) >= 5);
    for (let i = 0; i < (await charts.count()); i++) {
      const box = await charts.nth(i).boundingBox();
      assert.ok(box && box.width > 100 && box.height > 20, `chart ${i} has a size`);
    }
    const bars = await page
      .locator('#chart-status rect.bar')
      .evaluateAll((els) =>
        els.map((e) => (e as unknown as { getBBox(): { width: number } }).getBBox().width),
      );
    assert.ok(
      bars.some((w) => w > 0),
      'status bars are drawn',
    );
    assert.equal(await page.locator('#chart-trend circle').count(), 1, 'one scored scan in the trend');

    const total = await visible(page, '#results');
    assert.equal(total, json.results.length);
    await page.selectOption('#results select[data-f=status]', 'fail');
    const fails = json.results.filter((r) => r.status === 'fail').length;
    assert.equal(await visible(page, '#results'), fails - 1, 'failures shown, the waived one not among them');
    await page.selectOption('#results select[data-f=status]', 'waived');
    assert.equal(await visible(page, '#results'), 1);
    await page.selectOption('#results select[data-f=status]', '');
    await page.selectOption('#results select[data-f=area]', 'ssh');
    const ssh = await visible(page, '#results');
    assert.ok(ssh > 5 && ssh < total);
    await page.selectOption('#results select[data-f=area]', '');
    await page.fill('#results input[data-f=q]', 'ssh-root-login-disabled');
    assert.equal(await visible(page, '#results'), 1);
    assert.match((await page.textContent('#results .shown')) ?? '', /^1 of \d+ shown$/);
    await page.fill('#results input[data-f=q]', '');
    // Details: evidence, rationale and fix of a failure.
    const row = page.locator('#results details.row', { hasText: 'ssh-root-login-disabled' });
    await row.locator('summary').click();
    const body = (await row.textContent()) ?? '';
    assert.match(body, /sshd_config:1/);
    assert.match(body, /Why it matters/);
    assert.match(body, /Fix — impact/);
    assert.match((await page.textContent('#waivers')) ?? '', /the HMI vendor tool needs X11/);
    fs.mkdirSync(shots(), { recursive: true });
    await page
      .locator('#results details.row', { hasText: 'ssh-root-login-disabled' })
      .locator('summary')
      .click();
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: path.join(shots(), 'report-asset.png') });
    // Print: no controls, every details opened.
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('#results .controls').isVisible(), false);
    assert.deepEqual(problems, []);
    await page.close();
  },
);

test(
  'fleet report with a compliance view: asset rows, per-rule table, control filters',
  { skip: !HAVE && 'SKIPPED: chromium not installed' },
  async () => {
    const { page, problems } = await open(['--fleet', '--framework', 'iec62443-3-3'], 'fleet');
    assert.equal(await visible(page, '#assets'), 2);
    assert.ok((await page.locator('svg.chart').count()) >= 5);
    const c = JSON.parse(
      (await fx.run(['report', '--db', fx.db, '--fleet', '--framework', 'iec62443-3-3', '--format', 'json']))
        .stdout,
    ) as { counts: Record<string, number>; coverage: { percent: number } };
    assert.equal(
      await visible(page, '#compliance'),
      Object.values(c.counts).reduce((a, b) => a + b, 0),
    );
    await page.selectOption('#compliance select[data-f=status]', 'manual');
    assert.equal(await visible(page, '#compliance'), c.counts['manual']);
    assert.equal((await page.textContent('#coverage'))?.trim(), `${c.coverage.percent}%`);
    await page.selectOption('#fleet-rules select[data-f=status]', 'fail');
    const failingRules = await visible(page, '#fleet-rules');
    assert.ok(failingRules > 10);
    await page.fill('#fleet-rules input[data-f=q]', 'telnet');
    assert.ok((await visible(page, '#fleet-rules')) < failingRules);
    await page.selectOption('#compliance select[data-f=status]', '');
    await page.selectOption('#fleet-rules select[data-f=status]', '');
    await page.fill('#fleet-rules input[data-f=q]', '');
    fs.mkdirSync(shots(), { recursive: true });
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: path.join(shots(), 'report-fleet.png') });
    assert.deepEqual(problems, []);
    await page.close();
  },
);

test(
  '--format pdf prints through headless Chromium',
  { skip: !HAVE && 'SKIPPED: chromium not installed' },
  async () => {
    const file = path.join(fx.dir, 'report.pdf');
    const r = await fx.run(['report', '--db', fx.db, '--asset', 'hmi-2', '--format', 'pdf', '--out', file]);
    assert.equal(r.code, 0, show(r));
    const head = fs.readFileSync(file).subarray(0, 5).toString('latin1');
    assert.equal(head, '%PDF-');
    assert.ok(fs.statSync(file).size > 20_000);
  },
);

test(
  'report --zones and zones check --html: the zones section (diagram, findings, SL gap) loads offline',
  { skip: !HAVE && 'SKIPPED: chromium not installed' },
  async () => {
    const model = path.join(REPO, 'content', 'zones', 'example-plant.yaml');
    const cap = path.join(fx.dir, 'plant-capture.json');
    fs.writeFileSync(cap, JSON.stringify(examplePlantCapture()));
    const j = await fx.run([
      'zones',
      'check',
      '--model',
      model,
      '--capture',
      cap,
      '--db',
      fx.db,
      '--format',
      'json',
    ]);
    const rep = JSON.parse(j.stdout) as ZonesReport;
    assert.ok(rep.findings.length > 5, show(j));
    const gapRows = rep.sl_gap.reduce((n, z) => n + z.frs.length, 0);
    const page2 = path.join(fx.dir, 'zones-page.html');
    const z = await fx.run([
      'zones',
      'check',
      '--model',
      model,
      '--capture',
      cap,
      '--db',
      fx.db,
      '--html',
      page2,
    ]);
    assert.equal(z.code, 1, show(z));
    assert.match(z.stdout, /page written to /);
    for (const opened of [
      await open(['--asset', 'web-1', '--zones', model, '--capture', cap], 'zones-report'),
      await openFile(page2),
    ]) {
      const { page, problems } = opened;
      const svg = page.locator('#zones .diagram svg');
      assert.equal(await svg.count(), 1);
      const box = await svg.boundingBox();
      assert.ok(box && box.width > 200 && box.height > 100, 'the diagram has a size');
      const text = (await svg.textContent()) ?? '';
      for (const zone of rep.zones) assert.ok(text.includes(zone.name), `zone ${zone.name} in the diagram`);
      assert.equal(await page.locator('#zone-findings tr[data-check]').count(), rep.findings.length);
      assert.deepEqual(
        await page
          .locator('#zone-findings tr[data-check]')
          .evaluateAll((rows) =>
            rows.map((r) => (r as unknown as { dataset: { check: string } }).dataset.check),
          ),
        rep.findings.map((f) => f.id),
      );
      assert.equal(await page.locator('#zone-sl-gap tr[data-zone]').count(), gapRows);
      assert.match((await page.textContent('#zones h2')) ?? '', /Zones and conduits/);
      if (opened.file === page2) {
        fs.mkdirSync(shots(), { recursive: true });
        await page.screenshot({ path: path.join(shots(), 'zones-page.png') });
      }
      assert.deepEqual(problems, []);
      await page.close();
    }
    // The other sections are still there in the report.
    const html = fs.readFileSync(path.join(fx.dir, 'zones-report.html'), 'utf8');
    assert.match(html, /<section id="results"/);
    assert.match(html, /<section id="waivers"/);
    const bad = await fx.run([
      'report',
      '--db',
      fx.db,
      '--asset',
      'web-1',
      '--format',
      'csv',
      '--zones',
      model,
    ]);
    assert.equal(bad.code, 2, show(bad));
    const noModel = await fx.run(['report', '--db', fx.db, '--asset', 'web-1', '--capture', cap]);
    assert.equal(noModel.code, 2, show(noModel));
    assert.match(noModel.stderr, /need --zones/);
  },
);
