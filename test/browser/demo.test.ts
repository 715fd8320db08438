/**
 * The browser demo in real Chromium against a real listening server (no mocks): these tests share one
 * build of web/dist and one Chromium. accessibility.test.ts builds too, possibly at the same time; a build
 * moves finished files into place and the same sources give the same hashed names, so neither breaks the
 * other's pages.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ballot, castVote, createSession, startServer, type RunningServer } from '../helpers/server.ts';
import { chromiumAvailable, chromiumForFile, contextsForSuite, explainMissingBrowser } from './chromium.ts';
import { integrity, join, numberOf, openDemo, switchTransport, textOf, waitForConnection, waitForSeq, waitForText } from './page-helpers.ts';
import { RestartableServer } from './restartable-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { describeDemoOverHttp2 } from './demo-over-h2.ts';

const TRANSPORTS = ['polling', 'long-polling', 'websocket', 'sse'] as const;
const haveBrowser = chromiumAvailable();
if (!haveBrowser) explainMissingBrowser();

const browser = chromiumForFile(haveBrowser);

describe.skipIf(!haveBrowser)('browser demo (Chromium)', () => {
  let server: RunningServer;
  const newContext = contextsForSuite(browser);

  beforeAll(async () => {
    server = await startServer();
    // Runs after afterAll, once the pages are closed.
    return () => server.close();
  });

  it.each(TRANSPORTS)('joins and votes over %s, and the count changes', async (transport) => {
    const context = await newContext();
    const { page, problems } = await openDemo(context, server.url, `?transport=${transport}&interval=300`);
    await join(page);
    expect(await page.getByTestId('connection-status').getAttribute('data-transport')).toBe(transport);

    const before = await numberOf(page, 'count-long-polling');
    await page.getByTestId('vote-long-polling').click();
    await waitForText(page, 'count-long-polling', String(before + 1));
    // The keyboard path: key "1" votes for the first candidate.
    const firstBefore = await numberOf(page, 'count-polling');
    await page.keyboard.press('1');
    await waitForText(page, 'count-polling', String(firstBefore + 1));

    const onServer = await ballot(server.url);
    expect(onServer.candidates.find((c) => c.id === 'long-polling')?.count).toBe(before + 1);
    expect(await integrity(page)).toEqual({ gaps: 0, duplicates: 0, resyncs: 0 });
    // Own votes are timed click → update (via voteId, or the POST's seq on polling).
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="wire-own-n"]')?.textContent) >= 2);
    expect(problems.errors).toEqual([]);
    await page.close();
  });

  it('sends a vote again with the same voteId when its answer is lost, and it counts once', async () => {
    const context = await newContext();
    const { page } = await openDemo(context, server.url, '?transport=websocket');
    await join(page);
    // The first vote reaches the server and is counted, but its answer never reaches the page, as when a
    // connection drops mid-response. Every POST the page makes is recorded.
    const posted: { voteId: string }[] = [];
    await page.route('**/api/votes', async (route) => {
      posted.push(JSON.parse(route.request().postData() ?? '{}') as { voteId: string });
      if (posted.length === 1) {
        await route.fetch();
        await route.abort('connectionreset');
      } else {
        await route.continue();
      }
    });
    const before = await ballot(server.url);
    const confirmed = page.waitForResponse((response) => response.url().endsWith('/api/votes') && response.status() === 201, { timeout: 10_000 });
    await page.getByTestId('vote-push').click();
    // The retry's answer is the event the first try was counted as.
    const { event } = (await (await confirmed).json()) as { event: { seq: number; voteId: string } };
    expect(event.seq).toBe(before.seq + 1);
    expect(posted.map((body) => body.voteId)).toEqual([event.voteId, event.voteId]);
    await waitForText(page, 'count-push', String(before.candidates.find((c) => c.id === 'push')!.count + 1));
    const after = await ballot(server.url);
    expect(after.seq).toBe(before.seq + 1);
    expect(await integrity(page)).toEqual({ gaps: 0, duplicates: 0, resyncs: 0 });
    await page.close();
  });

  it('waits out a 429 as long as its Retry-After says, then the vote counts', async () => {
    const limited = await startServer({ votesPerSecond: 1 });
    try {
      const context = await newContext();
      const { page } = await openDemo(context, limited.url, '?transport=websocket');
      await join(page);
      const before = await numberOf(page, 'count-push');
      await page.getByTestId('vote-push').click();
      await page.getByTestId('vote-push').click();
      // The second vote of the same second gets 429 with Retry-After: 1; the page waits that long, not its own guess.
      await page.waitForFunction(() => document.querySelector('[data-testid="notice"]')?.textContent.includes('waiting 1000 ms') === true);
      await waitForText(page, 'count-push', String(before + 2));
      expect((await ballot(limited.url)).candidates.find((c) => c.id === 'push')?.count).toBe(before + 2);
      await page.close();
    } finally {
      await limited.close();
    }
  });

  it('switches transports live while another client votes steadily: nothing lost, nothing twice', async () => {
    const context = await newContext();
    const { page, problems } = await openDemo(context, server.url, '?transport=websocket&interval=200');
    await join(page);

    const other = await createSession(server.url, 'Steady voter');
    let voting = true;
    let sent = 0;
    const steadyVoter = (async () => {
      const ids = ['polling', 'long-polling', 'push'];
      while (voting) {
        const result = await castVote(server.url, other, { candidateId: ids[sent % ids.length] });
        if (result.status !== 201) throw new Error(`steady voter got ${result.status}`);
        sent += 1;
        // ~12 votes a second: under the per-user limit of 20, fast enough to land mid-switch.
        await new Promise((resolve) => setTimeout(resolve, 80));
      }
    })();

    const order = ['polling', 'long-polling', 'sse', 'websocket', 'long-polling', 'polling', 'sse'] as const;
    for (const transport of order) {
      const headAtSwitch = server.feed.head();
      await switchTransport(page, transport);
      // The new transport must deliver votes cast after the switch before we switch again.
      await waitForSeq(page, headAtSwitch + 3);
    }
    voting = false;
    await steadyVoter;
    expect(sent).toBeGreaterThan(20);

    const head = server.feed.head();
    await waitForSeq(page, head);
    expect(Number(await textOf(page, 'cursor-seq'))).toBe(head);
    expect(await integrity(page)).toEqual({ gaps: 0, duplicates: 0, resyncs: 0 });
    const onServer = await ballot(server.url);
    for (const candidate of onServer.candidates) {
      expect(await numberOf(page, `count-${candidate.id}`), candidate.id).toBe(candidate.count);
    }
    expect(problems.errors).toEqual([]);
    await page.close();
  });

  it('race view: a burst of 20 votes lands in all four lanes', async () => {
    const context = await newContext();
    const { page, problems } = await openDemo(context, server.url, '?transport=sse&interval=500');
    await join(page);
    await page.getByTestId('tab-race').click();
    await page.waitForFunction(() => document.querySelector<HTMLElement>('[data-testid="race"]')?.dataset.ready === 'true', null, {
      timeout: 10_000,
    });
    await page.getByTestId('burst').click();
    await waitForText(page, 'burst-status', '20/20 votes accepted', 15_000);
    for (const lane of TRANSPORTS) {
      await page.waitForFunction((name) => Number(document.querySelector<HTMLElement>(`[data-testid="lane-${name}"]`)?.dataset.received) >= 20, lane, {
        timeout: 10_000,
      });
      expect(await textOf(page, `lane-${lane}-p50`)).toMatch(/\d+(\.\d+)? (ms|s)$/);
      expect(await textOf(page, `lane-${lane}-integrity`)).toBe('0 gaps · 0 dup · 0 resync');
    }
    // 20 votes over ~1.2 s reach a 500 ms poller in a few snapshots: batching is visible.
    const pollingBatch = Number(await page.getByTestId('lane-polling').getAttribute('data-largest-batch'));
    expect(pollingBatch).toBeGreaterThan(1);
    expect(problems.errors).toEqual([]);
    await page.close();
  });

  it('fits a phone-sized screen: no sideways scrolling on the live view or the race', async () => {
    const context = await newContext({ viewport: { width: 390, height: 844 }, hasTouch: true });
    const { page, problems } = await openDemo(context, server.url, '?transport=sse');
    await join(page);
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    const before = await numberOf(page, 'count-push');
    for (let i = 1; i <= 3; i += 1) {
      await page.getByTestId('vote-push').tap();
      await waitForText(page, 'count-push', String(before + i));
    }
    // The wide content (the exchange log's rows, the wire numbers) is there now.
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="exchange-log"] tbody tr').length >= 6);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await page.getByTestId('tab-race').tap();
    await page.waitForFunction(() => document.querySelector<HTMLElement>('[data-testid="race"]')?.dataset.ready === 'true');
    expect(await overflow()).toBeLessThanOrEqual(0);
    expect(problems.errors).toEqual([]);
    await page.close();
  });

  it('two browsers see each other’s votes', async () => {
    const [first, second] = [await newContext(), await newContext()];
    const a = await openDemo(first, server.url, '?transport=sse');
    const b = await openDemo(second, server.url, '?transport=long-polling');
    await join(a.page, 'Alice');
    await join(b.page, 'Bob');

    const pushBefore = await numberOf(b.page, 'count-push');
    await a.page.getByTestId('vote-push').click();
    await waitForText(b.page, 'count-push', String(pushBefore + 1));

    const pollingBefore = await numberOf(a.page, 'count-polling');
    await b.page.getByTestId('vote-polling').click();
    await waitForText(a.page, 'count-polling', String(pollingBefore + 1));

    // Each saw the other's vote as someone else's, timed against votedAt.
    for (const { page } of [a, b]) {
      await page.waitForFunction(() => Number(document.querySelector('[data-testid="wire-others-n"]')?.textContent) >= 1);
      expect(await integrity(page)).toEqual({ gaps: 0, duplicates: 0, resyncs: 0 });
    }
    expect(a.problems.errors).toEqual([]);
    expect(b.problems.errors).toEqual([]);
  });
});

/**
 * The Anatomy tab shows what this page's own transport put on the wire, from the server's capture: checked
 * against what the page itself received (Playwright sees the page's frames and responses).
 */
describe.skipIf(!haveBrowser)('browser demo: the Anatomy tab', () => {
  let server: RunningServer;
  const newContext = contextsForSuite(browser);

  beforeAll(async () => {
    server = await startServer();
    return () => server.close();
  });

  async function openAnatomy(transport: string) {
    const context = await newContext();
    const opened = await openDemo(context, server.url, `?transport=${transport}&interval=300`);
    await join(opened.page);
    await opened.page.getByTestId('tab-anatomy').click();
    return opened;
  }

  it('on WebSocket shows the server frame of a vote as the page received it, an accept key the page computed and the server matched, and with "vote over this WebSocket" a masked client frame', async () => {
    const context = await newContext();
    const received: string[] = [];
    const { page, problems } = await openDemo(context, server.url, '?transport=websocket');
    page.on('websocket', (socket) => socket.on('framereceived', (frame) => received.push(String(frame.payload))));
    const posts: string[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/api/votes')) posts.push(request.postData() ?? '');
    });
    await join(page);
    await page.getByTestId('tab-anatomy').click();
    await page.getByTestId('vote-push').click();

    const serverPayload = await waitFor(
      'the vote’s frame in the Anatomy tab',
      async () => {
        const text = await page
          .getByTestId('anatomy-server-frame-payload')
          .textContent({ timeout: 200 })
          .catch(() => null);
        return text !== null && text.includes('"candidateId":"push"') && text;
      },
      { timeoutMs: 10_000, retryOnError: true },
    );
    expect(received).toContain(serverPayload);
    expect(await textOf(page, 'anatomy-server-frame-mask')).toBe('0');
    expect(await textOf(page, 'anatomy-server-frame-opcode')).toBe('0x1');

    await waitForText(page, 'anatomy-accept-check', 'match: the server proved it read this key');
    const key = await textOf(page, 'anatomy-accept-key');
    const computed = await textOf(page, 'anatomy-accept-computed');
    expect(computed).toBe(await textOf(page, 'anatomy-accept-server'));
    expect(computed).toBe(createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64'));
    expect(await textOf(page, 'anatomy-accept-sha1')).toBe(createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('hex'));

    const postsBefore = posts.length;
    await page.getByTestId('vote-over-socket').check();
    await page.getByTestId('vote-polling').click();
    const clientPayload = await waitFor(
      'the client’s vote frame in the Anatomy tab',
      async () => {
        const text = await page
          .getByTestId('anatomy-client-frame-payload')
          .textContent({ timeout: 200 })
          .catch(() => null);
        return text !== null && text.includes('"candidateId":"polling"') && text;
      },
      { timeoutMs: 10_000, retryOnError: true },
    );
    expect(JSON.parse(clientPayload)).toMatchObject({ type: 'vote', candidateId: 'polling' });
    expect(await textOf(page, 'anatomy-client-frame-mask')).toBe('1');
    expect(await textOf(page, 'anatomy-client-frame-key')).toMatch(/^[0-9a-f]{2}( [0-9a-f]{2}){3}$/);
    // The masked bytes on the wire are not the payload's own bytes.
    const maskedHex = await textOf(page, 'anatomy-client-frame-wire-payload');
    expect(
      maskedHex.startsWith(
        Buffer.from(clientPayload)
          .subarray(0, 8)
          .toString('hex')
          .replace(/(..)(?!$)/g, '$1 '),
      ),
    ).toBe(false);
    // That vote went over the socket, not POST /api/votes.
    expect(posts.length).toBe(postsBefore);
    await waitForText(page, 'count-polling', '1');
    expect(problems.errors).toEqual([]);
  }, 60_000);

  it('on long polling shows the response body the page received', async () => {
    const context = await newContext();
    const bodies: string[] = [];
    const { page, problems } = await openDemo(context, server.url, '?transport=long-polling');
    page.on('response', (response) => {
      if (response.url().includes('/api/long-poll') && response.status() === 200) void response.text().then((body) => bodies.push(body));
    });
    await join(page);
    await page.getByTestId('tab-anatomy').click();
    await page.getByTestId('vote-long-polling').click();
    const shown = await waitFor(
      'a long-poll answer with the vote in the Anatomy tab',
      async () => {
        const text = await page
          .getByTestId('anatomy-response-body')
          .textContent({ timeout: 200 })
          .catch(() => null);
        return text !== null && text.includes('"candidateId":"long-polling"') && text;
      },
      { timeoutMs: 10_000, retryOnError: true },
    );
    await waitFor('the page to have read that answer', () => bodies.includes(shown));
    expect(await textOf(page, 'anatomy-body-bytes')).toMatch(new RegExp(`^${Buffer.byteLength(shown)} B`));
    expect(await textOf(page, 'anatomy-request')).not.toMatch(/sid=[^*;\s]/);
    expect(problems.errors).toEqual([]);
  }, 60_000);

  it('on polling says what a 304 saved, and on SSE shows the last event line by line', async () => {
    const { page, problems } = await openAnatomy('polling');
    await page.getByTestId('anatomy-saved').waitFor({ timeout: 10_000 });
    expect(await textOf(page, 'anatomy-saved')).toMatch(/^304 Not Modified/);
    await switchTransport(page, 'sse');
    await page.getByTestId('vote-push').click();
    await waitFor(
      'the vote event in the Anatomy tab',
      async () => {
        const lines = await page.getByTestId('anatomy-sse-event-line').allTextContents();
        return lines[1] === 'event: vote' && lines[0]?.startsWith('id: ') === true && lines[2]?.startsWith('data: {') === true;
      },
      { timeoutMs: 10_000 },
    );
    expect(problems.errors).toEqual([]);
  }, 60_000);
});

/**
 * Survives a server restart: says plainly that the server is gone, reconnects with backoff by itself,
 * resyncs from a snapshot (the restarted in-memory feed forgot every seq), renews its session (the new
 * process has a new secret), and votes again, on every transport at once.
 */
describe.skipIf(!haveBrowser)('browser demo across a server restart', () => {
  // Not startServer(): a restart must come back on the same port, as `npm start` after a crash would.
  const server = new RestartableServer();

  beforeAll(async () => {
    await server.start();
  });

  afterAll(async () => {
    await server.stop();
  });

  it('says the server is gone, then reconnects, resyncs and votes again on every transport', async () => {
    const pages = [];
    for (const transport of TRANSPORTS) {
      const context = await browser().newContext();
      const opened = await openDemo(context, server.url, `?transport=${transport}&interval=300`);
      await join(opened.page);
      await opened.page.getByTestId('vote-push').click();
      await waitForText(opened.page, 'cursor-seq', String(server.head()));
      pages.push({ transport, ...opened });
    }
    for (const { page } of pages) await waitForText(page, 'cursor-seq', String(server.head()));

    await server.stop();
    for (const { page } of pages) {
      await page.waitForFunction(() => document.querySelector('[data-testid="connection-banner"]')?.textContent.includes('The server is gone') === true, null, {
        timeout: 15_000,
      });
    }

    await server.start();
    for (const { page, transport } of pages) {
      await waitForConnection(page, transport);
      // The new process starts at seq 0: every page must drop its old state for the server's.
      await waitForText(page, 'count-push', '0', 15_000);
      expect(await page.getByTestId('connection-banner').isHidden()).toBe(true);
    }
    for (const [index, { page }] of pages.entries()) {
      // The old cookie is unknown to the new process: the vote renews the session on its own.
      await page.getByTestId('vote-polling').click();
      await waitForText(page, 'count-polling', String(index + 1), 10_000);
    }
    for (const { page, transport, problems } of pages) {
      await waitForText(page, 'count-polling', String(TRANSPORTS.length), 10_000);
      const counters = await integrity(page);
      expect({ transport, gaps: counters.gaps, duplicates: counters.duplicates }).toEqual({ transport, gaps: 0, duplicates: 0 });
      expect(counters.resyncs, transport).toBeGreaterThanOrEqual(1);
      // Network errors while the server is down are the browser's own log lines; exceptions are ours.
      expect(problems.errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
    }
  }, 90_000);
});

describe.skipIf(!haveBrowser)('browser demo (Chromium)', () => describeDemoOverHttp2(browser));
