/**
 * The demo for everyone, in real Chromium against a real server: axe-core finds nothing on any view, the
 * controls work from the keyboard with a visible focus, counts are announced politely, the race respects
 * reduced motion, and the page runs under its Content-Security-Policy without a single violation.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { ballot, castVote, createSession, startServer, type RunningServer } from '../helpers/server.ts';
import { axeViolations } from './axe.ts';
import { chromiumAvailable, chromiumForFile, contextsForSuite, explainMissingBrowser } from './chromium.ts';
import { join, numberOf, openDemo, switchTransport, waitForConnection, waitForText } from './page-helpers.ts';

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
  ...(['long-polling', 'websocket', 'sse'] as const).map((transport) => ({
    name: `the anatomy view on ${transport}`,
    query: `?transport=${transport}`,
    reach: async (page: Page) => {
      await join(page);
      await openTab(page, 'anatomy');
      // A vote once the capture runs, so the view shows decoded bytes (frames, exchanges, event lines) to check too.
      const before = await numberOf(page, 'count-polling');
      await page.getByTestId('vote-polling').click();
      await waitForText(page, 'count-polling', String(before + 1));
      await page
        .getByTestId(transport === 'websocket' ? 'anatomy-server-frame-payload' : transport === 'sse' ? 'anatomy-sse-event-line' : 'anatomy-response-body')
        .first()
        .waitFor({ timeout: 15_000 });
    },
  })),
];

const browser = chromiumForFile(haveBrowser);

describe.skipIf(!haveBrowser)('accessibility of the demo (Chromium, axe-core)', () => {
  let server: RunningServer;
  const newContext = contextsForSuite(browser);

  beforeAll(async () => {
    server = await startServer();
    return () => server.close();
  });

  it.each(VIEWS)('axe finds no WCAG 2.1 A/AA or best-practice violation on $name', async ({ query, reach }) => {
    const context = await newContext();
    const { page, problems } = await openDemo(context, server.url, query);
    await reach(page);
    expect(await axeViolations(page)).toEqual([]);
    expect(problems.errors).toEqual([]);
    await page.close();
  });

  it('runs every transport and the race under its Content-Security-Policy without one violation', async () => {
    const context = await newContext();
    // Recorded from the page's first moment: the listener is installed before any of the page's own scripts run.
    await context.addInitScript(() => {
      const seen: string[] = [];
      Object.assign(window, { cspViolations: seen });
      document.addEventListener('securitypolicyviolation', (event) => seen.push(`${event.violatedDirective} ${event.blockedURI}`));
    });
    const { page, problems } = await openDemo(context, server.url, '?transport=polling&interval=300');
    const violations = () => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);
    await join(page);
    for (const transport of ['long-polling', 'websocket', 'sse', 'polling']) {
      await switchTransport(page, transport);
      const before = await numberOf(page, 'count-push');
      await page.getByTestId('vote-push').click();
      await waitForText(page, 'count-push', String(before + 1));
    }
    await openTab(page, 'race');
    await page.waitForSelector('[data-testid="race"][data-ready="true"]');
    expect(await violations()).toEqual([]);
    expect(problems.errors).toEqual([]);
    // The listener does hear a violation: a style attribute, which the policy forbids, is reported.
    await page.evaluate(() => document.body.setAttribute('style', 'outline: 1px solid red'));
    await page.waitForFunction(() => (window as unknown as { cspViolations: string[] }).cspViolations.length > 0);
    expect((await violations())[0]).toMatch(/^style-src/);
    await page.close();
  });

  it('works from the keyboard alone, with a visible focus on every control it reaches', async () => {
    const context = await newContext();
    const { page, problems } = await openDemo(context, server.url, '?transport=websocket');
    // Join: the button has the focus when the page opens.
    await page.waitForSelector('[data-testid="join"]');
    await page.keyboard.press('Enter');
    await waitForConnection(page);

    // Tab through the whole page once, noting each stop and whether its focus can be seen.
    const stops: { id: string; visible: boolean }[] = [];
    for (let i = 0; i < 40; i += 1) {
      await page.keyboard.press('Tab');
      const stop = await page.evaluate(() => {
        const element = document.activeElement as HTMLElement | null;
        if (element === null || element === document.body) return undefined;
        // A radio drawn as a segment shows its focus on the label text beside it; everything else on itself.
        const drawn = element instanceof HTMLInputElement && element.type === 'radio' ? element.nextElementSibling : element;
        const style = drawn === null ? undefined : getComputedStyle(drawn);
        const visible = style !== undefined && style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
        return { id: element.dataset.testid ?? element.getAttribute('aria-label') ?? element.tagName, visible };
      });
      if (stop === undefined || stops.some((s) => s.id === stop.id)) break;
      stops.push(stop);
    }
    const ids = stops.map((s) => s.id);
    for (const control of [
      'tab-live',
      'tab-race',
      'vote-polling',
      'vote-long-polling',
      'vote-push',
      'transport-websocket',
      'polling-interval',
      'polling-conditional',
      'Recent exchanges',
    ]) {
      expect(ids, `Tab reaches ${control}`).toContain(control);
    }
    expect(stops.filter((s) => !s.visible)).toEqual([]);

    // Vote with Enter on a focused button.
    const before = await numberOf(page, 'count-long-polling');
    await page.getByTestId('vote-long-polling').focus();
    await page.keyboard.press('Enter');
    await waitForText(page, 'count-long-polling', String(before + 1));
    // Switch transport with the arrow keys of the radio group.
    await page.getByTestId('transport-websocket').focus();
    await page.keyboard.press('ArrowRight');
    await waitForConnection(page, 'sse');
    // The tabs: → moves to the race and shows it; its burst button starts with Space.
    await page.getByTestId('tab-live').focus();
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => document.getElementById('panel-race')?.hidden === false);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('tab-race');
    await page.getByTestId('burst').focus();
    await page.keyboard.press('Space');
    await page.waitForFunction(() => (document.querySelector('[data-testid="burst-status"]')?.textContent ?? '').includes('votes accepted'), undefined, {
      timeout: 15_000,
    });
    expect(problems.errors).toEqual([]);
    await page.close();
  });

  it('announces the counts in a polite live region after votes, as one summary', async () => {
    const context = await newContext();
    const { page, problems } = await openDemo(context, server.url, '?transport=sse');
    await join(page);
    const region = page.getByTestId('announcement');
    expect(await region.getAttribute('aria-live')).toBe('polite');
    expect(await region.textContent()).toBe('');
    const voter = await createSession(server.url, 'Announced voter');
    for (let i = 0; i < 5; i += 1) expect((await castVote(server.url, voter, { candidateId: 'push' })).status).toBe(201);
    // The page has all five; the region says so within one quiet interval (5 s) at the latest.
    const push = (await ballot(server.url)).candidates.find((c) => c.id === 'push')?.count ?? -1;
    await waitForText(page, 'count-push', String(push));
    await page.waitForFunction((want) => document.querySelector('[data-testid="announcement"]')?.textContent.endsWith(want) === true, ` ${push}.`, {
      timeout: 12_000,
    });
    expect(await region.textContent()).toMatch(/^Votes: Polling \d+, Long polling \d+, Push \(WebSocket \/ SSE\) \d+\.$/);
    expect(problems.errors).toEqual([]);
    await page.close();
  });

  describe('the race under prefers-reduced-motion', () => {
    /**
     * One vote in flight on a slow polling lane (a poll every 5 s), seen the moment the push lanes have it:
     * what the polling lane draws for it then, and what its text says.
     */
    async function inFlight(reducedMotion: 'reduce' | 'no-preference') {
      const context = await newContext({ reducedMotion });
      const { page, problems } = await openDemo(context, server.url, '?transport=websocket&interval=5000');
      await join(page);
      await openTab(page, 'race');
      await page.waitForSelector('[data-testid="race"][data-ready="true"]');
      const voter = await createSession(server.url, 'Racer');
      expect((await castVote(server.url, voter, { candidateId: 'push' })).status).toBe(201);
      const seen = await page.waitForFunction(() => {
        const lane = (name: string) => document.querySelector<HTMLElement>(`[data-testid="lane-${name}"]`);
        const push = Number(lane('websocket')?.dataset.received);
        const polling = lane('polling');
        if (polling === null || !(push > Number(polling.dataset.received))) return false;
        const runner = polling.querySelector<HTMLElement>('.runner.running');
        return {
          motion: document.querySelector<HTMLElement>('[data-testid="race"]')?.dataset.motion,
          runners: polling.querySelectorAll('.runner.running').length,
          left: runner?.style.left ?? '',
          onTheWay: polling.querySelector('[data-testid="lane-polling-on-the-way"]')?.textContent,
        };
      });
      // waitForFunction resolved, so the function returned its object, not false.
      const state = (await seen.jsonValue()) as Exclude<Awaited<ReturnType<typeof seen.jsonValue>>, false>;
      return { page, problems, state };
    }

    it('draws a moving runner for a vote on its way when motion is allowed', async () => {
      const { page, problems, state } = await inFlight('no-preference');
      expect(state).toMatchObject({ motion: 'full', runners: 1, onTheWay: '1' });
      // It moves: its position changes while it waits for the next poll.
      await page.waitForFunction((first) => {
        const runner = document.querySelector<HTMLElement>('[data-testid="lane-polling"] .runner.running');
        return runner !== null && runner.style.left !== first;
      }, state.left);
      expect(problems.errors).toEqual([]);
      await page.close();
    });

    it('draws nothing moving under reduced motion: the vote on its way is counted in text, and drawn once it lands', async () => {
      const { page, problems, state } = await inFlight('reduce');
      expect(state).toMatchObject({ motion: 'reduced', runners: 0, onTheWay: '1' });
      await page.waitForFunction(
        () => {
          const polling = document.querySelector<HTMLElement>('[data-testid="lane-polling"]');
          return Number(polling?.dataset.received) >= 1 && polling?.querySelector('.runner.landed') !== null;
        },
        undefined,
        { timeout: 12_000 },
      );
      expect(await page.locator('[data-testid="lane-polling"] .runner.running').count()).toBe(0);
      expect(await page.getByTestId('lane-polling-on-the-way').textContent()).toBe('0');
      expect(problems.errors).toEqual([]);
      await page.close();
    });
  });
});
