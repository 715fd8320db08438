import { beforeAll, describe, expect, it } from 'vitest';
import { buildDocument } from '../../bench/report/build-document.ts';
import { capacityFigures } from '../../bench/report/capacity-tables.ts';
import { bytes } from '../../bench/report/format.ts';
import { renderHtml } from '../../bench/report/html.ts';
import { renderMarkdown, type ReportDocument } from '../../bench/report/markdown.ts';
import type { Table } from '../../bench/report/tables.ts';
import { readResultsFixture, readSectionFixture } from './helpers/report-fixtures.ts';
import type { BenchResults, CapacityResults } from '../../bench/results/types.ts';

/**
 * results.json (the shared report fixture) with `capacity` from capacity.json: a real run of
 * `npm run bench -- --capacity` on a 2-core machine (every capacity variant at 10,000 subscribers).
 */

let plain: BenchResults;
let capacity: CapacityResults;
let results: BenchResults;
let doc: ReportDocument;

const tableOf = (document: ReportDocument, id: string): Table | undefined => [...document.tables.before, ...document.tables.after].find((t) => t.id === id);

beforeAll(async () => {
  plain = await readResultsFixture();
  capacity = await readSectionFixture<CapacityResults>('capacity.json');
  results = { ...plain, config: { ...plain.config, capacity: true }, capacity };
  doc = await buildDocument(results);
});

describe('the capacity section of the report', () => {
  it('has a row per capacity run with memory per subscriber from the settled minus the baseline reading', () => {
    const table = tableOf(doc, 'capacity')!;
    expect(table.rows).toHaveLength(capacity.runs.length);
    for (const [i, run] of capacity.runs.entries()) {
      const expected = (run.cost.serverRssSettledBytes! - run.cost.serverRssBeforeBytes) / run.connect!.subscribers;
      expect(table.rows[i]![3]!.text).toBe(bytes(expected));
      expect(capacityFigures(run).rssPerSubscriber).toBeCloseTo(expected, 6);
    }
  });

  it('sets WebSocket against bare ws with the ratio of the two and the 1.3× target', () => {
    const table = tableOf(doc, 'capacity-targets')!;
    const ours = capacityFigures(capacity.runs.find((r) => r.variant === 'websocket')!);
    const bare = capacityFigures(capacity.runs.find((r) => r.variant === 'ws-reference')!);
    const [memory, latency] = table.rows;
    const memoryRatio = ours.rssPerSubscriber / bare.rssPerSubscriber;
    expect(memory![3]!.text).toBe(`${memoryRatio.toFixed(2)}×`);
    expect(memory![4]!.text).toBe(memoryRatio <= 1.3 ? 'met (≤ 1.3×)' : 'not met (> 1.3×)');
    expect(latency![3]!.text).toBe(`${(ours.lastP99Ms / bare.lastP99Ms).toFixed(2)}×`);
  });

  it('says the target was not measured when the bare ws run is missing', async () => {
    const withoutBare = { ...capacity, runs: capacity.runs.filter((r) => r.variant !== 'ws-reference') };
    const table = tableOf(await buildDocument({ ...results, capacity: withoutBare }), 'capacity-targets')!;
    for (const row of table.rows) expect(row[4]).toMatchObject({ text: expect.stringContaining('not measured') as string, bad: true });
  });

  it('marks a run the open-file limit stopped, with how many connected, and keeps its figures', async () => {
    const [first, ...rest] = capacity.runs;
    const stopped = { ...first!, connect: { ...first!.connect!, subscribers: 4_000, fileLimitHit: true } };
    const table = tableOf(await buildDocument({ ...results, capacity: { ...capacity, openFileLimit: 4096, runs: [stopped, ...rest] } }), 'capacity')!;
    expect(table.rows[0]![1]).toEqual({ text: '4,000 of 10,000 (open-file limit)', bad: true });
    expect(table.rows[0]![3]!.text).toBe(bytes((stopped.cost.serverRssSettledBytes! - stopped.cost.serverRssBeforeBytes) / 4_000));
    expect(table.notes!.join(' ')).toContain('below the 10,200 the scenario needs');
  });

  it('reports the load generator’s deliveries per second per worker, flagged and not', () => {
    const table = tableOf(doc, 'generator-capacity')!;
    expect(table.rows.length).toBeGreaterThan(0);
    expect(table.columns).toContain('most deliveries/s per worker, not flagged');
  });

  it('shows the capacity tables in both renderings', () => {
    expect(renderMarkdown(doc)).toContain('### Capacity: 10,000 subscribers per transport');
    expect(renderHtml(doc)).toContain('Capacity targets: WebSocket against bare ws');
  });

  it('tells how to run the capacity scenario when the run did not', async () => {
    const without = await buildDocument(plain);
    expect(tableOf(without, 'capacity')).toBeUndefined();
    const notRun = tableOf(without, 'not-run')!;
    expect(notRun.rows.map((r) => r.map((c) => c.text).join(' | '))).toContainEqual(expect.stringContaining('`npm run bench -- --capacity`'));
  });
});
