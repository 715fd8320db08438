/**
 * The demo over https:// (the server's `--tls`): Chromium takes HTTP/2, so polling, long polling and SSE
 * requests all travel as streams of one connection, and the race view holds all its streams in several
 * tabs at once (over HTTP/1.1, six connections per host are what a few tabs of held requests exhaust).
 * Called from demo.test.ts, which builds web/dist and launches the one Chromium these tests share.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { tlsTestSettings } from '../helpers/tls-client.ts';
import { join, openDemo, textOf, waitForText } from './page-helpers.ts';

const FEED_PATHS = { polling: '/api/ballot', 'long-polling': '/api/long-poll', sse: '/api/sse' } as const;
const LANES = ['polling', 'long-polling', 'websocket', 'sse'] as const;

/**
 * The HTTP version of each request to `path` the page made, as the page's own Resource Timing reports it
 * (`nextHopProtocol`). An SSE stream that is still open has no entry yet: it is read once the stream ended.
 */
async function protocolsOf(page: Page, path: string): Promise<string[]> {
  return page.evaluate(
    (wanted) =>
      performance
        .getEntriesByType('resource')
        .filter((entry) => new URL(entry.name).pathname === wanted)
        .map((entry) => (entry as PerformanceResourceTiming).nextHopProtocol),
    path,
  );
}

async function openRace(page: Page): Promise<void> {
  await page.getByTestId('tab-race').click();
  await page.waitForFunction(() => document.querySelector<HTMLElement>('[data-testid="race"]')?.dataset.ready === 'true', null, { timeout: 15_000 });
}

export function describeDemoOverHttp2(browser: () => Browser): void {
  describe('over HTTPS with HTTP/2', () => {
    const tls = tlsTestSettings();
    let server: RunningServer;
    let context: BrowserContext;

    beforeAll(async () => {
      server = await startServer(tls.overrides);
      // The self-signed certificate is accepted for this context only, as a user's exception would.
      context = await browser().newContext({ viewport: { width: 1280, height: 900 }, ignoreHTTPSErrors: true });
      return async () => {
        await context.close().catch(() => undefined);
        await server.close();
      };
    });

    it.each(Object.keys(FEED_PATHS) as (keyof typeof FEED_PATHS)[])('carries %s over h2 and counts a vote', async (transport) => {
      const { page, problems } = await openDemo(context, server.url, `?transport=${transport}&interval=300`);
      await join(page);
      const before = Number((await textOf(page, 'count-push')).replace(/\D/g, ''));
      await page.getByTestId('vote-push').click();
      await waitForText(page, 'count-push', String(before + 1));
      // An open SSE stream is in Resource Timing once it ended: switching away ends it.
      if (transport === 'sse') await page.getByTestId('transport-polling').check({ force: true });
      const path = FEED_PATHS[transport];
      const protocols = await page.waitForFunction((wanted) => performance.getEntriesByType('resource').some((e) => new URL(e.name).pathname === wanted), path);
      await protocols.dispose();
      const seen = await protocolsOf(page, path);
      expect(seen.length, `requests to ${path}`).toBeGreaterThan(0);
      expect(new Set(seen)).toEqual(new Set(['h2']));
      expect((await protocolsOf(page, '/api/votes')).every((protocol) => protocol === 'h2')).toBe(true);
      expect(problems.errors).toEqual([]);
      await page.close();
    });

    it('votes over a WebSocket (wss://, upgraded over HTTP/1.1)', async () => {
      const { page, problems } = await openDemo(context, server.url, '?transport=websocket');
      await join(page);
      const before = Number((await textOf(page, 'count-polling')).replace(/\D/g, ''));
      await page.getByTestId('vote-polling').click();
      await waitForText(page, 'count-polling', String(before + 1));
      expect(await page.getByTestId('connection-status').getAttribute('data-transport')).toBe('websocket');
      expect(problems.errors).toEqual([]);
      await page.close();
    });

    it('holds every race lane in four tabs at once: a burst from one tab lands in all sixteen lanes', async () => {
      const tabs = [];
      // Each race tab holds a long poll, an SSE stream and its own feed's: over HTTP/1.1 four tabs would need
      // more than the six connections Chromium opens to one host, and the lanes of the later tabs would stall.
      for (let i = 0; i < 4; i++) {
        const tab = await openDemo(context, server.url, '?transport=sse&interval=500');
        await join(tab.page);
        await openRace(tab.page);
        tabs.push(tab);
      }
      const first = tabs[0]!.page;
      await first.getByTestId('burst').click();
      await waitForText(first, 'burst-status', '20/20 votes accepted', 15_000);
      for (const { page, problems } of tabs) {
        for (const lane of LANES) {
          await page.waitForFunction((name) => Number(document.querySelector<HTMLElement>(`[data-testid="lane-${name}"]`)?.dataset.received) >= 20, lane, {
            timeout: 15_000,
          });
          expect(await textOf(page, `lane-${lane}-integrity`)).toBe('0 gaps · 0 dup · 0 resync');
        }
        expect(new Set(await protocolsOf(page, '/api/long-poll'))).toEqual(new Set(['h2']));
        expect(problems.errors).toEqual([]);
      }
      for (const { page } of tabs) await page.close();
    }, 90_000);
  });
}
