// report.html in a real browser (Debian's Chromium, driven by playwright-core; scripts/setup.sh
// --for-tests installs it): nat-pat's topology with every host and address, the journey of
// the SYN with the client's address on the LAN hop and the router's on the Internet hop,
// stepping that moves the highlight, no request leaving the page, nothing wider than a
// phone's screen, light, dark and phone screenshots kept as artifacts. Also: `run --json` matches the published results schema,
// and the report of a scenario outside the lessons, remade by `socklab report`.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from './helpers.js';

const ARTIFACTS = join(ROOT, '.socklab', 'artifacts');
let browser: Browser;

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  mkdirSync(ARTIFACTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
});

interface Results {
  passed: boolean;
  runId: string;
  topology: { hosts: { name: string; addresses: Record<string, string> }[] };
}

describe('report.html', () => {
  it("shows nat-pat's topology and the SYN's journey, steps through it, and asks nothing of the network", async () => {
    const run = await runCli(['run', 'scenarios/nat-pat.yaml', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const results = JSON.parse(run.stdout) as Results;
    const schema = JSON.parse(readFileSync(join(ROOT, 'schema/results.schema.json'), 'utf8')) as object;
    const validate = new Ajv({ strict: false }).compile(schema);
    expect(validate(results), JSON.stringify(validate.errors)).toBe(true);
    const folder = /report, captures and program output: (\S+)\//.exec(run.stderr)![1]!;
    const html = join(ROOT, folder, 'report.html');

    for (const scheme of ['light', 'dark'] as const) {
      const page = await browser.newPage({ colorScheme: scheme, viewport: { width: 1200, height: 1600 } });
      const requests: string[] = [];
      page.on('request', (request) => {
        if (!request.url().startsWith('file://')) requests.push(request.url());
      });
      await page.route('**/*', (route) => (route.request().url().startsWith('file://') ? route.continue() : route.abort()));
      await page.goto(`file://${html}`);
      // Every host with each of its addresses, on the topology.
      for (const host of results.topology.hosts) {
        const box = page.locator(`svg.topology .host[data-host="${host.name}"]`);
        await expect.poll(() => box.count()).toBe(1);
        for (const ip of Object.values(host.addresses)) expect(await box.textContent()).toContain(ip);
      }
      // The SYN: the client's own address on the LAN hop, the router's public one after it.
      const journey = page.locator('[data-journey]').first();
      const syn = journey.locator('.hop').filter({ hasText: '[S]' });
      expect(await syn.nth(0).getAttribute('data-network')).toBe('lan');
      expect(await syn.nth(0).textContent()).toMatch(/192\.168\.0\.10:\d+ → 203\.0\.113\.3:80 \[S\]/);
      expect(await syn.nth(1).getAttribute('data-network')).toBe('internet');
      expect(await syn.nth(1).textContent()).toMatch(/203\.0\.113\.1:\d+ → 203\.0\.113\.3:80 \[S\]/);
      expect(await syn.nth(1).textContent()).toContain('source rewritten at routerA');
      // Stepping moves the highlight, on the ladder and on the topology.
      expect(await journey.locator('.hop.current').getAttribute('data-step')).toBe('0');
      expect(await page.locator('svg.topology .host.highlight').evaluateAll((boxes) => boxes.map((box) => box.getAttribute('data-host')))).toEqual([
        'client',
        'routerA',
      ]);
      await page.keyboard.press('ArrowRight');
      expect(await journey.locator('.hop.current').getAttribute('data-step')).toBe('1');
      expect(await journey.locator('dl.headers').textContent()).toMatch(/source203\.0\.113\.1:\d+/);
      expect(await page.locator('svg.topology .network.highlight').getAttribute('data-network')).toBe('internet');
      await journey.getByRole('button', { name: 'previous packet' }).click();
      expect(await journey.locator('.hop.current').getAttribute('data-step')).toBe('0');
      await page.screenshot({ path: join(ARTIFACTS, `report-nat-pat-${scheme}.png`), fullPage: true });
      expect(requests).toEqual([]);
      await page.close();
    }
    // On a phone: nothing wider than the screen but the drawings, which scroll in their boxes.
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
    await phone.goto(`file://${html}`);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.screenshot({ path: join(ARTIFACTS, 'report-nat-pat-phone.png') });
    await phone.close();
    // Nothing in the page points elsewhere.
    expect(readFileSync(html, 'utf8')).not.toMatch(/\b(src|href)="(https?:)?\/\//);
  }, 180_000);

  it("works for a scenario in a user's own folder, and socklab report remakes it", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'socklab-own-'));
    writeFileSync(
      join(dir, 'mine.yaml'),
      [
        'name: e2e-own-report',
        'networks:',
        '  lan: { subnet: 10.97.70.0/24 }',
        'hosts:',
        '  a: { networks: { lan: 10.97.70.10 } }',
        '  b: { networks: { lan: 10.97.70.20 } }',
        'steps:',
        '  - capture: all',
        '    steps:',
        '      - run: a',
        '        command: "ping -c 2 -i 0.2 10.97.70.20"',
        '',
      ].join('\n'),
    );
    const run = await runCli(['run', join(dir, 'mine.yaml'), '--out', join(dir, 'runs')]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const folder = /report, captures and program output: (\S+)\//.exec(run.stdout)![1]!;
    const again = await runCli(['report', folder]);
    expect(again.code, again.stderr).toBe(0);
    const page = await browser.newPage();
    await page.goto(`file://${join(folder, 'report.html')}`);
    const hops = page.locator('[data-journey] .hop');
    expect(await hops.count()).toBe(4); // two echo requests, two replies
    expect(await hops.first().textContent()).toMatch(/10\.97\.70\.10 → 10\.97\.70\.20 icmp/);
    expect(readFileSync(join(folder, 'report.md'), 'utf8')).toContain('```mermaid');
    await page.close();
  }, 120_000);
});
