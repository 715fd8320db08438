import { mkdtemp, readFile, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VARIANTS } from '../../bench/plan/variants.ts';
import { buildDocument } from '../../bench/report/build-document.ts';
import { derive, scenarioRows } from '../../bench/report/derive.ts';
import { renderHtml } from '../../bench/report/html.ts';
import { ms } from '../../bench/report/format.ts';
import { paretoFrontier } from '../../bench/report/trade-off-chart.ts';
import { renderMarkdown, type ReportDocument } from '../../bench/report/markdown.ts';
import { bytesModel, pollingLatencyModel, sseEventBytes, wsFrameBytes } from '../../bench/report/model.ts';
import { readResults, writeReport } from '../../bench/report/write-report.ts';
import type { BenchResults } from '../../bench/results/types.ts';
import { compareRanges } from '../../bench/report/compare.ts';
import { sanityChecks } from '../../bench/report/checks.ts';

/**
 * The fixture is the results.json of real small runs (polling 1 s, SSE, WebSocket, bare ws, and in a
 * second run long polling and the Socket.IO polling reference, in a third the bare long-poll reference,
 * merged in; 2 and 4 subscribers at
 * 5 votes/s; the headline repeated twice) with two faults written in by hand so the red marking can
 * be checked: 2 lost events for SSE at 4 subscribers, and a saturated load generator for the bare ws
 * reference at 4 subscribers. `feeds` is the Redis scenario of a third real run (4 subscribers, 20 votes/s).
 */
const FIXTURE = join(import.meta.dirname, 'fixtures', 'results.json');

let results: BenchResults;
let doc: ReportDocument;
let markdown: string;
let html: string;

beforeAll(async () => {
  results = await readResults(FIXTURE);
  doc = await buildDocument(results);
  markdown = renderMarkdown(doc);
  html = renderHtml(doc);
});

describe('derived figures', () => {
  it("divides the window's counts by the deliveries it owed", () => {
    const scenario = results.scenarios.find((s) => s.variant === 'websocket')!;
    const figures = derive(scenario);
    expect(figures.bytesDownPerEvent).toBeCloseTo(scenario.cost.serverBytesOut / scenario.cost.deliveries, 6);
    expect(figures.cpuMsPer1000Deliveries).toBeCloseTo((scenario.cost.serverCpuMs * 1000) / scenario.cost.deliveries, 6);
    expect(figures.emptyShare).toBeNull();
  });

  it('groups repetitions into one row with a median and a range', () => {
    const rows = scenarioRows(results);
    const headline = rows.filter((r) => r.clients === results.config.headline.clients && r.rate === results.config.headline.rate);
    expect(headline).toHaveLength(results.config.variants.length);
    for (const row of headline) {
      expect(row.runs).toHaveLength(2);
      const p50s = row.runs.map((r) => r.latency.p50Us / 1000);
      expect(row.figures.p50Ms.min).toBe(Math.min(...p50s));
      expect(row.figures.p50Ms.max).toBe(Math.max(...p50s));
    }
  });
});

describe('the report rendered from a fixed results file', () => {
  it('has a summary row for every transport that ran', () => {
    const summary = doc.tables.before.find((t) => t.id === 'summary')!;
    expect(summary.rows.map((r) => r[0]!.text)).toEqual(results.config.variants.map((v) => VARIANTS[v].label));
    for (const variant of results.config.variants) {
      expect(markdown).toContain(`| ${VARIANTS[variant].label} |`);
      expect(html).toContain(`<td>${VARIANTS[variant].label}</td>`);
    }
  });

  it('shows non-zero coherence and a saturated load generator in red, and nothing else', () => {
    const scenarios = doc.tables.after.find((t) => t.id === 'scenarios')!;
    const sse4 = scenarios.rows.find((r) => r[0]!.text === 'SSE' && r[1]!.text === '4')!;
    expect(sse4[10]).toEqual({ text: '2 / 0 / 0', bad: true });
    const healthy = scenarios.rows.find((r) => r[0]!.text === 'WebSocket' && r[1]!.text === '4')!;
    expect(healthy[10]).toEqual({ text: '0 / 0 / 0' });
    expect(markdown).toContain('🔴 **2 / 0 / 0**');
    expect(html).toContain('<td class="bad">2 / 0 / 0</td>');
    expect(html).toMatch(/<td class="bad">flagged: bench event loop 97 % busy<\/td>/);
    // Red cells are exactly the faults in the data: coherence errors and flagged load generators
    // (the planted ones, and any the real run flagged itself).
    const faults = scenarioRows(results).reduce(
      (n, row) => n + (row.coherence.lost + row.coherence.duplicated + row.coherence.outOfOrder > 0 ? 1 : 0) + (row.generatorSaturated ? 1 : 0),
      0,
    );
    expect(faults).toBeGreaterThanOrEqual(2);
    expect(scenarios.rows.flat().filter((c) => c.bad === true)).toHaveLength(faults);
  });

  it('lists errors seen inside scenarios, in red, only when there are some', async () => {
    expect(doc.tables.before.map((t) => t.id)).not.toContain('problems');
    const troubled = structuredClone(results);
    troubled.scenarios[0]!.errors.push('vote s1-3: HTTP 503: shutting down');
    const problems = (await buildDocument(troubled)).tables.before.find((t) => t.id === 'problems')!;
    expect(problems.rows).toHaveLength(1);
    expect(problems.rows[0]![1]).toEqual({ text: 'vote s1-3: HTTP 503: shutting down', bad: true });
  });

  it('writes conclusions from the data, including the planted breakdowns', () => {
    expect(doc.conclusions.length).toBeGreaterThanOrEqual(4);
    expect(doc.conclusions.some((c) => c.startsWith('Latency at 2 subscribers and 5 votes/s'))).toBe(true);
    expect(doc.conclusions).toContain('Breakdown: SSE at 4 subscribers and 5 votes/s lost 2, duplicated 0 and reordered 0 events.');
    expect(
      doc.conclusions.some(
        (c) => c.startsWith("Not the server's figures") && c.includes('Bare ws (reference) at 4 subscribers and 5 votes/s (bench event loop 97 % busy)'),
      ),
    ).toBe(true);
    // The polling sentence quotes the measured mean, which must be the fixture's.
    const polling = results.scenarios.filter((s) => s.variant === 'polling-1s' && s.clients === 2);
    const means = polling.map((s) => (s.latency.meanUs / 1000).toFixed(0));
    expect(doc.conclusions.some((c) => c.startsWith('Polling 1 s: mean latency') && means.some((m) => c.includes(`${m} ms`)))).toBe(true);
  });

  it('embeds SVG charts and loads nothing from the network', () => {
    expect(doc.charts.map((c) => c.id)).toEqual(
      expect.arrayContaining(['latency-vs-subscribers', 'latency-cdf', 'bytes-per-event', 'requests-per-event', 'cpu-per-delivery', 'memory-per-subscriber']),
    );
    expect(html.match(/<svg[\s>]/g)?.length).toBe(doc.charts.length);
    // One script, the calculator's, inline: nothing is fetched.
    expect(html.match(/<script/gi)).toHaveLength(1);
    expect(html).toContain('<script>\nconst CALCULATOR_DATA = ');
    expect(html).not.toMatch(/<script[^>]+src|<link|src="http|href="http/i);
  });

  it('carries the environment and the method', () => {
    expect(markdown).toContain(results.environment.gitCommit!);
    expect(markdown).toContain(results.environment.cpuModel);
    expect(markdown).toContain('## Method');
    expect(html).toContain('<h2>Method</h2>');
  });
});

describe('model vs measured', () => {
  it('does the framing arithmetic', () => {
    expect(wsFrameBytes(100)).toBe(102);
    expect(wsFrameBytes(200)).toBe(204);
    // "id: 12\nevent: vote\ndata: " + 100 + "\n\n" = 7 + 12 + 6 + 100 + 2 = 127 bytes; chunked adds "7f\r\n" and "\r\n".
    expect(sseEventBytes(100, 2, false)).toBe(127);
    expect(sseEventBytes(100, 2, true)).toBe(133);
  });

  it('compares polling latency with interval/2 and WebSocket bytes with payload + 2', () => {
    const rows = scenarioRows(results);
    const latency = pollingLatencyModel(results, rows).find((m) => m.what === 'mean latency')!;
    expect(latency.model).toBe(500);
    const websocket = bytesModel(results, rows).find((m) => m.variant === 'websocket')!;
    const run = results.scenarios.find((s) => s.variant === 'websocket' && s.clients === 2)!;
    expect(websocket.model).toBeCloseTo(run.votes.meanEventJsonBytes + 2, 6);
  });
});

describe('writeReport', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'votewire-report-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes the three files into a timestamped folder and points latest at it', async () => {
    const written = await writeReport(structuredClone(results), root);
    for (const file of [written.html, written.markdown, written.results]) expect((await stat(file)).size).toBeGreaterThan(0);
    expect(await readlink(join(root, 'latest'))).toBe('2026-11-25T12-53-15Z');
    const again = JSON.parse(await readFile(written.results, 'utf8')) as BenchResults;
    expect(again.scenarios).toHaveLength(results.scenarios.length);
  });
});

describe('the verdict', () => {
  it('opens both reports with at most six sentences, each with a figure, computed from the headline rows', () => {
    expect(doc.verdict.length).toBeGreaterThanOrEqual(3);
    expect(doc.verdict.length).toBeLessThanOrEqual(6);
    for (const sentence of doc.verdict) expect(sentence).toMatch(/\d/);
    const rows = scenarioRows(results).filter((r) => r.clients === 2 && r.rate === 5 && (r.variant === 'websocket' || r.variant === 'sse'));
    const fastest = rows.sort((a, b) => a.figures.p50Ms.median - b.figures.p50Ms.median)[0]!;
    const { median: p50, min, max } = fastest.figures.p50Ms;
    expect(doc.verdict[0]).toContain(`use ${VARIANTS[fastest.variant].label}: p50 ${ms(p50)} (${ms(min)}–${ms(max)}) ms`);
    expect(markdown.indexOf('## Verdict')).toBeLessThan(markdown.indexOf('<details><summary>All findings'));
    expect(markdown).toContain(doc.verdict.join(' '));
    expect(html).toContain(`<details><summary>All findings (${doc.conclusions.length})</summary>`);
  });
});

describe('the references table', () => {
  const referencesOf = (d: ReportDocument) => d.tables.before.find((t) => t.id === 'references')!;
  const OURS = 1;
  const REFERENCE = 2;
  const RATIO = 3;
  const VERDICT = 4;
  const longPollBesideSocketIo = (r: { text: string }[]) => r[OURS]!.text.startsWith('Long polling') && r[REFERENCE]!.text.startsWith('Socket.IO');

  it('comes right after the summary and gives both figures, the ratio of the medians and a verdict for each comparison', () => {
    expect(doc.tables.before.map((t) => t.id)).toEqual(['summary', 'references', 'choose', 'checks']);
    const table = referencesOf(doc);
    // 4 WebSocket, 5 long polling beside the bare long-poll server at the headline and 2 at 4 subscribers, 4 beside Socket.IO, 1 SSE.
    expect(table.rows).toHaveLength(16);
    const rows = scenarioRows(results);
    const at = (variant: string) => rows.find((r) => r.variant === variant && r.clients === 2 && r.rate === 5)!;
    const p50 = at('long-polling').figures.p50Ms.median / at('socketio-polling').figures.p50Ms.median;
    const lpP50 = table.rows.find((r) => r[0]!.text === 'p50 latency' && longPollBesideSocketIo(r))!;
    expect(lpP50[RATIO]!.text).toBe(`${p50.toFixed(2)}×`);
    const verdict = compareRanges(at('long-polling').figures.p50Ms, at('socketio-polling').figures.p50Ms);
    expect(lpP50[VERDICT]!.text).toBe(
      verdict.kind === 'no measurable difference'
        ? verdict.kind
        : verdict.kind === 'lower'
          ? `Long polling ${(1 / p50).toFixed(1)}× lower`
          : `Long polling ${p50.toFixed(1)}× higher`,
    );
    expect(markdown).toContain('### Against the references');
    expect(markdown).not.toMatch(/issue \d|targets/i);
    expect(html).not.toMatch(/issue \d|targets/i);
  });

  it('says "no measurable difference" when the ranges overlap, and names the lower one when they do not', async () => {
    const close = structuredClone(results);
    const lp = close.scenarios.filter((s) => s.variant === 'long-polling' && s.clients === 2);
    const sio = close.scenarios.filter((s) => s.variant === 'socketio-polling' && s.clients === 2);
    lp.forEach((s, i) => (s.latency.p50Us = [10_000, 14_000][i] ?? 12_000));
    sio.forEach((s, i) => (s.latency.p50Us = [13_000, 20_000][i] ?? 15_000));
    const overlapping = referencesOf(await buildDocument(close)).rows.find((r) => r[0]!.text === 'p50 latency' && longPollBesideSocketIo(r))!;
    expect(overlapping[VERDICT]!.text).toBe('no measurable difference');

    const apart = structuredClone(results);
    for (const s of apart.scenarios) if (s.variant === 'long-polling') s.latency.p50Us = 10_000;
    for (const s of apart.scenarios) if (s.variant === 'socketio-polling') s.latency.p50Us = 40_000;
    const separate = referencesOf(await buildDocument(apart)).rows.find((r) => r[0]!.text === 'p50 latency' && longPollBesideSocketIo(r))!;
    expect(separate[OURS]!.text).toBe('Long polling: 10.0 ms');
    expect(separate[RATIO]!.text).toBe('0.25×');
    expect(separate[VERDICT]).toEqual({ text: 'Long polling 4.0× lower' });
  });

  it('leaves out a comparison whose reference was not run', async () => {
    const withoutSocketIo = structuredClone(results);
    withoutSocketIo.config.variants = withoutSocketIo.config.variants.filter((v) => v !== 'socketio-polling');
    withoutSocketIo.scenarios = withoutSocketIo.scenarios.filter((s) => s.variant !== 'socketio-polling');
    const rows = referencesOf(await buildDocument(withoutSocketIo)).rows;
    expect(rows).toHaveLength(12);
    expect(rows.some(longPollBesideSocketIo)).toBe(false);

    const withoutBareLongPoll = structuredClone(results);
    withoutBareLongPoll.config.variants = withoutBareLongPoll.config.variants.filter((v) => v !== 'long-poll-reference');
    withoutBareLongPoll.scenarios = withoutBareLongPoll.scenarios.filter((s) => s.variant !== 'long-poll-reference');
    const remaining = referencesOf(await buildDocument(withoutBareLongPoll)).rows;
    expect(remaining).toHaveLength(9);
    expect(remaining.some((r) => r[REFERENCE]!.text.startsWith('Bare long polling'))).toBe(false);
  });

  it("puts long polling's server CPU and bytes written beside the bare long-poll server at every subscriber count of the headline rate", () => {
    const rows = scenarioRows(results);
    const at = (variant: string, clients: number) => rows.find((r) => r.variant === variant && r.clients === clients && r.rate === 5)!;
    const bare = referencesOf(doc).rows.filter((r) => r[REFERENCE]!.text.startsWith('Bare long polling (reference)'));
    expect(bare.map((r) => r[0]!.text)).toEqual([
      'p50 latency',
      'p99 latency',
      'bytes per delivered event (↓ + ↑)',
      'bytes the server writes per delivered event (↓)',
      'server CPU per 1,000 deliveries',
      'bytes the server writes per delivered event (↓), 4 subscribers',
      'server CPU per 1,000 deliveries, 4 subscribers',
    ]);
    const cpuAt4 = at('long-polling', 4).figures.cpuMsPer1000Deliveries.median / at('long-poll-reference', 4).figures.cpuMsPer1000Deliveries.median;
    expect(bare[6]![RATIO]!.text).toBe(`${cpuAt4.toFixed(2)}×`);
    const bytesDown = at('long-polling', 2).figures.bytesDownPerEvent.median / at('long-poll-reference', 2).figures.bytesDownPerEvent.median;
    expect(bare[3]![RATIO]!.text).toBe(`${bytesDown.toFixed(2)}×`);
    expect(doc.conclusions.some((c) => c.startsWith('Against a bare `node:http` long-poll server at 2 subscribers'))).toBe(true);
  });
});

describe('the sanity checks table', () => {
  const checksOf = (d: ReportDocument) => d.tables.before.find((t) => t.id === 'checks')!;
  const MEASURED = 5;
  const VERDICT = 6;
  /** The fixture with one scenario changed: polling 1 s or WebSocket at 4 subscribers (one run each). */
  const planted = async (variant: 'polling-1s' | 'websocket', change: (s: BenchResults['scenarios'][number]) => void) => {
    const copy = structuredClone(results);
    change(copy.scenarios.find((s) => s.variant === variant && s.clients === 4)!);
    const d = await buildDocument(copy);
    const rows = checksOf(d).rows.filter((r) => r[0]!.text === VARIANTS[variant].label && r[1]!.text === '4');
    const verdict = (what: string) => rows.find((r) => r[3]!.text === what)![VERDICT]!;
    return { d, rows, verdict };
  };

  it("checks every scenario: polling against its interval (mean and max), the rest by p50, and everyone's byte counts", () => {
    const rows = scenarioRows(results);
    const table = checksOf(doc);
    const polling = rows.filter((r) => VARIANTS[r.variant].intervalMs !== undefined).length;
    expect(table.rows).toHaveLength(3 * polling + 2 * (rows.length - polling));
    expect(table.rows.filter((r) => r[3]!.text === 'mean latency')).toHaveLength(polling);
    expect(table.rows.find((r) => r[0]!.text === 'Polling 1 s' && r[3]!.text === 'mean latency')![4]!.text).toBe('500 ± 200 ms (half the interval)');
    expect(table.rows.find((r) => r[0]!.text === 'Polling 1 s' && r[3]!.text === 'max latency')![4]!.text).toBe('below 1500 ms (1.5 × the interval)');
    // The fixture is a healthy run: every check met, nothing red.
    expect(table.rows.map((r) => r[VERDICT])).toEqual(table.rows.map(() => ({ text: 'met' })));
    expect(doc.conclusions).toContain(`Sanity checks: all ${table.rows.length} met.`);
  });

  it('takes half the interval ± 200 ms as met at its edge and missed beyond it', async () => {
    expect((await planted('polling-1s', (s) => (s.latency.meanUs = 700_000))).verdict('mean latency')).toEqual({ text: 'met' });
    expect((await planted('polling-1s', (s) => (s.latency.meanUs = 300_000))).verdict('mean latency')).toEqual({ text: 'met' });
    expect((await planted('polling-1s', (s) => (s.latency.meanUs = 700_001))).verdict('mean latency')).toEqual({ text: 'missed', bad: true });
    expect((await planted('polling-1s', (s) => (s.latency.meanUs = 299_999))).verdict('mean latency')).toEqual({ text: 'missed', bad: true });
  });

  it("wants polling's max below 1.5 intervals and a push p50 below 100 ms, the bound itself missed", async () => {
    expect((await planted('polling-1s', (s) => (s.latency.maxUs = 1_499_999))).verdict('max latency')).toEqual({ text: 'met' });
    expect((await planted('polling-1s', (s) => (s.latency.maxUs = 1_500_000))).verdict('max latency')).toEqual({ text: 'missed', bad: true });
    expect((await planted('websocket', (s) => (s.latency.p50Us = 99_999))).verdict('p50 latency')).toEqual({ text: 'met' });
    const slow = await planted('websocket', (s) => (s.latency.p50Us = 100_000));
    expect(slow.verdict('p50 latency')).toEqual({ text: 'missed', bad: true });
    expect(slow.rows.find((r) => r[3]!.text === 'p50 latency')![MEASURED]).toEqual({ text: '100 ms', bad: true });
    expect(slow.d.conclusions).toContain(
      `Sanity checks: 1 of ${checksOf(doc).rows.length} missed: WebSocket at 4 subscribers (p50 latency, expected below 100 ms). A busy or slow machine misses these; on an idle one a miss points at the code.`,
    );
    expect(renderMarkdown(slow.d)).toContain('| WebSocket | 4 | 5 | p50 latency | below 100 ms | 🔴 **100 ms** | 🔴 **missed** |');
  });

  it("wants the subscribers' byte count within 5 % of the server's, and a run that delivered nothing misses", async () => {
    const bytes = (client: number) => (s: BenchResults['scenarios'][number]) => {
      s.cost.deliveries = 100;
      s.cost.serverBytesOut = 100_000;
      s.cost.clientBytesIn = client;
    };
    const what = "bytes down: subscribers' count vs the server's";
    expect((await planted('websocket', bytes(105_000))).verdict(what)).toEqual({ text: 'met' });
    expect((await planted('websocket', bytes(95_000))).verdict(what)).toEqual({ text: 'met' });
    expect((await planted('websocket', bytes(105_100))).verdict(what)).toEqual({ text: 'missed', bad: true });
    const deliveredNothing = (s: BenchResults['scenarios'][number]): void => {
      s.cost.deliveries = 0;
      s.cost.serverDeliveries = 0;
    };
    expect((await planted('websocket', deliveredNothing)).verdict(what)).toEqual({ text: 'missed', bad: true });
  });

  it('misses when any one repetition misses, and says when the load generator was flagged', async () => {
    const copy = structuredClone(results);
    const headlinePolling = copy.scenarios.filter((s) => s.variant === 'polling-1s' && s.clients === 2);
    expect(headlinePolling).toHaveLength(2);
    headlinePolling[1]!.latency.maxUs = 2_000_000;
    const check = sanityChecks(scenarioRows(copy)).find((c) => c.row.variant === 'polling-1s' && c.row.clients === 2 && c.what === 'max latency')!;
    expect(check.met).toBe(false);
    expect(check.measured.max).toBe(2000);

    // The bare ws reference at 4 subscribers is flagged in the fixture.
    const flagged = structuredClone(results);
    flagged.scenarios.find((s) => s.variant === 'ws-reference' && s.clients === 4)!.latency.p50Us = 150_000;
    const row = checksOf(await buildDocument(flagged)).rows.find(
      (r) => r[0]!.text === 'Bare ws (reference)' && r[1]!.text === '4' && r[3]!.text === 'p50 latency',
    )!;
    expect(row[VERDICT]).toEqual({ text: 'missed (load generator flagged)', bad: true });
  });
});

describe('the Redis scenario in the report', () => {
  const feedsOf = (d: ReportDocument) => d.tables.after.find((t) => t.id === 'feeds');

  it('has one row per setup with figures derived from its scenario, after the scenarios table', () => {
    expect(doc.tables.after.map((t) => t.id).slice(0, 2)).toEqual(['scenarios', 'feeds']);
    const table = feedsOf(doc)!;
    const feeds = results.feeds!;
    expect(table.rows.map((r) => r[0]!.text)).toEqual(['one process, memory feed', 'one process, Redis feed', 'two processes, Redis feed']);
    const col = (name: string) => table.columns.indexOf(name);
    for (const [i, run] of feeds.runs.entries()) {
      const d = derive(run.scenario);
      expect(table.rows[i]![col('processes')]!.text).toBe(String(run.processes));
      expect(table.rows[i]![col('p50 ms')]!.text).toBe(d.p50Ms >= 10 ? d.p50Ms.toFixed(1) : d.p50Ms.toFixed(2));
      expect(Number(table.rows[i]![col('server CPU ms / 1k deliveries (all processes)')]!.text)).toBeCloseTo(d.cpuMsPer1000Deliveries, -1);
    }
    // Two processes: the summed server counters delivered to every subscriber of both.
    const two = feeds.runs.find((r) => r.setup === 'redis-2')!.scenario;
    expect(two.servers?.processes).toBe(2);
    expect(two.cost.serverDeliveries).toBe(two.cost.deliveries);
    const rtt = [...two.servers!.feedRttMs].sort((a, b) => a - b);
    expect(table.rows[2]![col('Redis round trip ms (median, max)')]!.text).toContain(
      `(${rtt.at(-1)! >= 10 ? rtt.at(-1)!.toFixed(1) : rtt.at(-1)!.toFixed(2)})`,
    );
    expect(table.rows[0]![col('Redis round trip ms (median, max)')]!.text).toBe('no Redis');
    expect(doc.conclusions.some((c) => c.startsWith('Sharing the feed through Redis (WebSocket, 4 subscribers at 20 votes/s)'))).toBe(true);
    expect(doc.method.some((p) => p.startsWith('Redis scenario: ') && p.includes(feeds.keyPrefix))).toBe(true);
    expect(markdown).toContain('### Shared feed: memory vs Redis vs two processes');
  });

  it('marks a coherence error in red, and says why when it was skipped or leaves it out when not run', async () => {
    const broken = structuredClone(results);
    broken.feeds!.runs[2]!.scenario.coherence.lost = 3;
    const row = feedsOf(await buildDocument(broken))!.rows[2]!;
    expect(row.find((c) => c.text === '3 / 0 / 0')).toEqual({ text: '3 / 0 / 0', bad: true });

    const skipped = structuredClone(results);
    skipped.feeds = { ...skipped.feeds!, runs: [], skipped: 'no Redis reachable at redis://127.0.0.1:6399 (connect ECONNREFUSED 127.0.0.1:6399)' };
    const skippedDoc = await buildDocument(skipped);
    expect(feedsOf(skippedDoc)!.rows).toEqual([[{ text: 'all three' }, { text: `skipped: ${skipped.feeds.skipped}` }]]);
    expect(skippedDoc.conclusions).toContain(`Redis scenario skipped: ${skipped.feeds.skipped}.`);
    expect(renderMarkdown(skippedDoc)).toContain('Skipped: no Redis reachable at redis://127.0.0.1:6399');

    const notRun = structuredClone(results);
    delete notRun.feeds;
    expect(feedsOf(await buildDocument(notRun))).toBeUndefined();
  });
});

describe('the trade-off chart', () => {
  it('keeps on the frontier only the points no other beats on both figures', () => {
    const points = [
      { name: 'fast, heavy', x: 2, y: 100 },
      { name: 'beaten', x: 5, y: 120 },
      { name: 'middle', x: 4, y: 60 },
      { name: 'slow, light', x: 500, y: 50 },
      { name: 'slow, heavier', x: 600, y: 55 },
    ];
    expect(
      paretoFrontier(
        points,
        (p) => p.x,
        (p) => p.y,
      ).map((p) => p.name),
    ).toEqual(['fast, heavy', 'middle', 'slow, light']);
  });

  it('is drawn first, with both panels', () => {
    expect(doc.charts[0]!.id).toBe('trade-off');
    expect(doc.charts[0]!.svg).toContain('bytes per delivered event (log)');
    expect(doc.charts[0]!.svg).toContain('server CPU ms per 1,000 deliveries (log)');
  });
});
