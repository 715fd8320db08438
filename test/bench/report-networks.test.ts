import { beforeAll, describe, expect, it } from 'vitest';
import { VARIANTS } from '../../bench/plan/variants.ts';
import { buildDocument } from '../../bench/report/build-document.ts';
import { derive, headlineRows, scenarioRows } from '../../bench/report/derive.ts';
import { renderHtml } from '../../bench/report/html.ts';
import { renderMarkdown, type ReportDocument } from '../../bench/report/markdown.ts';
import type { Table } from '../../bench/report/tables.ts';
import { readResultsFixture, readSectionFixture } from './helpers/report-fixtures.ts';
import type { BenchResults, NetworkResults } from '../../bench/results/types.ts';

/**
 * results.json (the shared report fixture) with `networks` from networks.json: a real small run of
 * `--network lan,mobile` (polling 1 s, long polling, WebSocket and SSE, 2 subscribers at 5 votes/s, the
 * fixture's headline) with one fault written in by hand: the relay of SSE on mobile saturated.
 */

let plain: BenchResults;
let results: BenchResults;
let doc: ReportDocument;
let table: Table;

beforeAll(async () => {
  plain = await readResultsFixture();
  const networks = await readSectionFixture<NetworkResults>('networks.json');
  results = { ...plain, networks };
  doc = await buildDocument(results);
  table = doc.tables.after.find((t) => t.id === 'networks')!;
});

const row = (label: string, network: string): Table['rows'][number] => table.rows.find((r) => r[0]!.text === label && r[1]!.text === network)!;

describe('the networks section of the report', () => {
  it('has a row per transport and network: loopback from the headline rows, the others from the relayed runs', () => {
    const loopback = headlineRows(results, scenarioRows(results));
    expect(table.rows.filter((r) => r[1]!.text === 'loopback')).toHaveLength(loopback.length);
    for (const network of ['lan', 'mobile']) {
      expect(table.rows.filter((r) => r[1]!.text === network).map((r) => r[0]!.text)).toEqual(
        results.networks!.runs.filter((r) => r.profile === network).map((r) => VARIANTS[r.scenario.variant].label),
      );
    }
    const mobileWs = results.networks!.runs.find((r) => r.profile === 'mobile' && r.scenario.variant === 'websocket')!.scenario;
    const figures = derive(mobileWs);
    expect(
      row('WebSocket', 'mobile')
        .slice(2, 5)
        .map((c) => c.text),
    ).toEqual(['150', figures.p50Ms.toFixed(0), figures.p99Ms.toFixed(0)]);
    expect(row('WebSocket', 'mobile')[7]!.text).toBe(figures.requestsPerEvent.toFixed(3));
  });

  it("puts the model next to the measurement: loopback's p50 plus RTT (+ jitter) for push, up to one RTT more for long polling", () => {
    const loopback = new Map(headlineRows(results, scenarioRows(results)).map((r) => [r.variant, r.figures.p50Ms.median]));
    // mobile: 150 ms RTT, jitter up to 30 ms each way (15 on average), so 150 + 30 on top of loopback.
    expect(row('WebSocket', 'mobile')[5]!.text).toBe(`≈ ${(loopback.get('websocket')! + 180).toFixed(0)}`);
    expect(row('Long polling', 'mobile')[5]!.text).toBe(
      `${(loopback.get('long-polling')! + 180).toFixed(0)} – ${(loopback.get('long-polling')! + 330).toFixed(0)}`,
    );
    expect(row('Polling 1 s', 'mobile')[6]!.text).toContain('interval/2 is in loopback');
    expect(row('WebSocket', 'loopback')[5]!.text).toBe('–');
  });

  it('flags a saturated relay in red, and nothing else in a healthy run', () => {
    expect(row('SSE', 'mobile')[11]).toEqual({ text: 'flagged: relay event loop 95 % busy', bad: true });
    expect(row('SSE', 'lan')[11]!.text).toMatch(/^ok \(CPU \d+ %, event loop \d+ %\)$/);
    expect(table.rows.flat().filter((c) => c.bad === true)).toHaveLength(1);
    expect(renderHtml(doc)).toContain('<td class="bad">flagged: relay event loop 95 % busy</td>');
  });

  it("concludes per network with every transport's p50 / p99 and the relay flag", () => {
    const mobile = doc.conclusions.find((c) => c.startsWith('On mobile (150 ms RTT'))!;
    const ws = results.networks!.runs.find((r) => r.profile === 'mobile' && r.scenario.variant === 'websocket')!.scenario;
    expect(mobile).toContain(`WebSocket ${derive(ws).p50Ms.toFixed(0)} / ${derive(ws).p99Ms.toFixed(0)}`);
    expect(mobile).toContain('The relay was flagged for SSE');
    expect(doc.conclusions.find((c) => c.startsWith('On lan ('))).not.toContain('relay was flagged');
  });

  it('draws latency against RTT per transport', () => {
    const chart = doc.charts.find((c) => c.id === 'latency-vs-rtt');
    expect(chart?.svg).toMatch(/^<svg/);
    expect(chart!.svg).toContain('network round trip ms');
  });

  it('documents every profile with its numbers in the table, the method and the environment', () => {
    const markdown = renderMarkdown(doc);
    expect(table.notes).toContain('mobile: 150 ms RTT, jitter up to 30 ms each way, 1 MB/s per connection each way.');
    expect(table.notes).toContain('lan: 2 ms RTT, jitter up to 0.2 ms each way.');
    expect(doc.method.some((p) => p.startsWith('Networks:') && p.includes('mobile (150 ms RTT'))).toBe(true);
    expect(markdown).toMatch(/\| networks \| loopback \(no relay[^|]*; lan \(2 ms RTT/);
    expect(table.notes).toContain('Not run: broadband (`npm run bench -- --network lan,broadband,mobile` runs them).');
  });

  it('says it was not run, with the command, when only loopback was measured', async () => {
    const loopbackOnly = await buildDocument(plain);
    const section = loopbackOnly.tables.after.find((t) => t.id === 'networks')!;
    expect(section.rows.map((r) => r.map((c) => c.text))).toEqual([
      ['lan', '2 ms RTT, jitter up to 0.2 ms each way'],
      ['broadband', '40 ms RTT, jitter up to 5 ms each way'],
      ['mobile', '150 ms RTT, jitter up to 30 ms each way, 1 MB/s per connection each way'],
    ]);
    expect(section.intro).toContain('Not run');
    expect(section.intro).toContain('`npm run bench -- --network lan,broadband,mobile`');
    expect(loopbackOnly.charts.map((c) => c.id)).not.toContain('latency-vs-rtt');
    expect(renderMarkdown(loopbackOnly)).toContain('### Networks');
  });
});
