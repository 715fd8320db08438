import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDocument } from '../../bench/report/build-document.ts';
import { estimateCosts, type CalculatorData } from '../../bench/report/calculator.ts';
import { readResults, writeReportFiles } from '../../bench/report/write-report.ts';
import type { BenchResults, FaultsResults, NetworkResults } from '../../bench/results/types.ts';
import { axeViolations } from './axe.ts';
import { chromiumAvailable, explainMissingBrowser, launchChromium } from './chromium.ts';

/**
 * The report of the shared fixture (real small runs, the headline repeated) with the network profiles and
 * the faults of their own fixtures merged in, as the report tests do: every table and chart appears.
 */
const FIXTURES = join(import.meta.dirname, '..', 'bench', 'fixtures');
const haveBrowser = chromiumAvailable();
if (!haveBrowser) explainMissingBrowser();

let browser: Browser | undefined;
let dir: string | undefined;
let url: string;
let chartCount: number;
let calculator: CalculatorData;

beforeAll(async () => {
  if (!haveBrowser) return;
  const plain = await readResults(join(FIXTURES, 'results.json'));
  const networks = JSON.parse(await readFile(join(FIXTURES, 'networks.json'), 'utf8')) as NetworkResults;
  const faults = JSON.parse(await readFile(join(FIXTURES, 'faults.json'), 'utf8')) as FaultsResults;
  const results: BenchResults = { ...plain, config: { ...plain.config, faults: true }, networks, faults };
  dir = await mkdtemp(join(tmpdir(), 'votewire-report-layout-'));
  const written = await writeReportFiles(results, dir);
  url = pathToFileURL(written.html).href;
  const doc = await buildDocument(results);
  chartCount = doc.charts.length;
  calculator = doc.calculator;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!haveBrowser)('the report index.html in Chromium', () => {
  for (const viewport of [
    { width: 1280, height: 900, name: 'at 1280 px' },
    { width: 390, height: 844, name: 'on a 390 px phone' },
  ]) {
    it(`has no page-level sideways scroll and renders every chart offline ${viewport.name}`, async () => {
      const context = await browser!.newContext({ viewport: { width: viewport.width, height: viewport.height } });
      try {
        const page = await context.newPage();
        // Anything but the file itself would be a network request: the report must open offline.
        const outside: string[] = [];
        await context.route('**/*', (route) => {
          const requested = route.request().url();
          if (requested.startsWith('file:')) return route.continue();
          outside.push(requested);
          return route.abort();
        });
        await page.goto(url, { waitUntil: 'load' });
        // The folded sections too: opened, their wide tables must still scroll in their own box.
        await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = true)));
        const layout = await page.evaluate(() => ({
          scrollWidth: document.documentElement.scrollWidth,
          clientWidth: document.documentElement.clientWidth,
          charts: [...document.querySelectorAll('.charts figure')].map((figure) => {
            const drawn = figure.querySelector('svg, canvas');
            const box = drawn?.getBoundingClientRect();
            return { id: figure.id, width: box?.width ?? 0, height: box?.height ?? 0, right: box?.right ?? Infinity };
          }),
          scrollBoxes: [...document.querySelectorAll('.scroll')].map((box) => ({
            tabindex: box.getAttribute('tabindex'),
            label: box.getAttribute('aria-label') ?? '',
          })),
          collapsed: [...document.querySelectorAll('details')].map((d) => (d.id !== '' ? d.id : (d.closest('section')?.id ?? ''))),
        }));
        expect(outside).toEqual([]);
        expect(layout.scrollWidth).toBeLessThanOrEqual(layout.clientWidth);
        expect(layout.charts).toHaveLength(chartCount);
        for (const chart of layout.charts) {
          expect(chart.width, chart.id).toBeGreaterThan(100);
          expect(chart.height, chart.id).toBeGreaterThan(50);
          expect(chart.right, chart.id).toBeLessThanOrEqual(viewport.width);
        }
        expect(layout.scrollBoxes.length).toBeGreaterThan(3);
        for (const box of layout.scrollBoxes) {
          expect(box.tabindex).toBe('0');
          expect(box.label).not.toBe('');
        }
        expect(layout.collapsed).toEqual(expect.arrayContaining(['scenarios', 'method']));
      } finally {
        await context.close();
      }
    });
  }

  it('gives axe-core no WCAG 2.1 A/AA or best-practice violation, its folded sections open or closed', async () => {
    const page = await browser!.newPage();
    try {
      await page.goto(url, { waitUntil: 'load' });
      expect(await axeViolations(page)).toEqual([]);
      await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = true)));
      expect(await axeViolations(page)).toEqual([]);
      // Every chart is one image named by its caption and described by a sentence of its data.
      const charts = await page.$$eval('.charts figure', (figures) =>
        figures.map((figure) => {
          const image = figure.querySelector('[role="img"]');
          const describedBy = image?.getAttribute('aria-describedby') ?? '';
          return {
            title: document.getElementById(image?.getAttribute('aria-labelledby') ?? '')?.textContent ?? '',
            summary: document.getElementById(describedBy)?.textContent ?? '',
          };
        }),
      );
      expect(charts).toHaveLength(chartCount);
      for (const chart of charts) {
        expect(chart.title).not.toBe('');
        expect(chart.summary).toMatch(/\d/);
      }
    } finally {
      await page.close();
    }
  }, 120_000);

  it('computes in its calculator, offline, what estimateCosts computes for the workload typed in', async () => {
    const page = await browser!.newPage();
    try {
      await page.goto(url, { waitUntil: 'load' });
      await page.fill('#calc-clients', '5000');
      await page.fill('#calc-rate', '2');
      await page.fill('#calc-budget', '50');
      await page.selectOption('#calc-profile', 'mobile');
      const expected = estimateCosts(calculator, { clients: 5000, updatesPerSecond: 2, p99BudgetMs: 50, profile: 'mobile' });
      const firstColumn = expected.map((e) => (e.cheapest ? `★ ${e.label}` : e.label));
      const verdicts = expected.map((e) => (e.meetsBudget ? '✅ yes' : 'no'));
      await page.waitForFunction(
        (want) =>
          [...document.querySelectorAll('#calc-out tr')].map((tr) => `${tr.children[0]!.textContent} ${tr.children[7]!.textContent}`).join('|') === want,
        firstColumn.map((label, i) => `${label} ${verdicts[i]}`).join('|'),
      );
      const nearest = await page.$$eval('#calc-out tr', (trs) => trs.map((tr) => tr.children[8]!.textContent));
      expect(nearest).toEqual(expected.map((e) => e.nearest));
    } finally {
      await page.close();
    }
  });
});
