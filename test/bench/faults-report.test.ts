import { beforeAll, describe, expect, it } from 'vitest';
import { buildDocument } from '../../bench/report/build-document.ts';
import { renderHtml } from '../../bench/report/html.ts';
import { renderMarkdown, type ReportDocument } from '../../bench/report/markdown.ts';
import type { Table } from '../../bench/report/tables.ts';
import { readResultsFixture, readSectionFixture } from './helpers/report-fixtures.ts';
import type { BenchResults, FaultsResults } from '../../bench/results/types.ts';

/**
 * fixtures/faults.json is the `faults` section of a real `npm run bench -- --faults` (100 subscribers per
 * transport, 20 votes/s, Redis at hand) from before the dying process's subscribers were sent straight to
 * the survivor: two long pollers backed off past the end of that run, so its rows hold a real failure
 * (240 votes unheard, 2 subscribers not recovered) next to rows that met everything. It is attached to the
 * report's fixture results.json, which has no faults of its own.
 */

let plain: BenchResults;
let withFaults: BenchResults;
let doc: ReportDocument;

const table = (d: ReportDocument, id: string): Table | undefined => d.tables.after.find((t) => t.id === id);

beforeAll(async () => {
  plain = await readResultsFixture();
  const faults = await readSectionFixture<FaultsResults>('faults.json');
  withFaults = { ...plain, config: { ...plain.config, faults: true }, faults };
  doc = await buildDocument(withFaults);
});

describe('the fault sections of the report', () => {
  it('says the faults were not run, with the command, when the run had no --faults', async () => {
    const d = await buildDocument(plain);
    expect(table(d, 'faults')).toBeUndefined();
    const notRun = table(d, 'not-run')!;
    expect(notRun.rows.map((r) => r.map((c) => c.text))).toContainEqual([
      'Faults (connection cut, restarts, a process dying, reconnect storm)',
      'not asked for',
      '`npm run bench -- --faults`',
    ]);
    expect(renderMarkdown(d)).toContain('`npm run bench -- --full` runs everything');
  });

  it('has a row per fault and transport, red exactly where something was lost or someone did not recover', () => {
    const faults = table(doc, 'faults')!;
    expect(faults.rows).toHaveLength(withFaults.faults!.runs.reduce((sum, run) => sum + run.transports.length, 0));
    const failing = faults.rows.filter((r) => r.at(-1)!.text === 'not met');
    expect(failing.map((r) => [r[0]!.text, r[1]!.text])).toEqual([['One of two processes dies, Redis feed', 'Long polling']]);
    expect(failing[0]![6]).toEqual({ text: '240 / 0 / 0', bad: true });
    expect(failing[0]![5]).toEqual({ text: '2', bad: true });
    expect(failing[0]!.at(-1)).toEqual({ text: 'not met', bad: true });
    // Red cells: only in that row (a transport with no subscriber on the dead process has no timing to miss).
    const redRows = faults.rows.filter((r) => r.some((c) => c.bad === true));
    expect(redRows).toEqual(failing);
    // A restart of the memory feed is met only because every subscriber resynced.
    const memoryRestart = faults.rows.filter((r) => r[0]!.text === 'Server restart, memory feed');
    expect(memoryRestart.map((r) => r[7]!.text)).toEqual(['100 (100)', '100 (100)', '100 (100)', '100 (100)']);
    expect(memoryRestart.every((r) => r.at(-1)!.text === 'met')).toBe(true);
  });

  it('marks a resync where none may happen, and a missing one after a memory restart, as not met', async () => {
    const faults = structuredClone(withFaults.faults!);
    faults.runs.find((r) => r.label === 'Connection cut')!.transports[0]!.resyncs = 1;
    const restart = faults.runs.find((r) => r.label === 'Server restart, memory feed')!.transports[0]!;
    restart.subscribersResynced = 99;
    const d = await buildDocument({ ...withFaults, faults });
    const rows = table(d, 'faults')!.rows.filter((r) => r[1]!.text === 'Polling 1 s' && ['Connection cut', 'Server restart, memory feed'].includes(r[0]!.text));
    expect(rows.map((r) => r.at(-1))).toEqual([
      { text: 'not met', bad: true },
      { text: 'not met', bad: true },
    ]);
  });

  it('checks the final counts against the distinct acknowledged votes, and shows a mismatch in red', async () => {
    const votes = table(doc, 'fault-votes')!;
    expect(votes.rows).toHaveLength(withFaults.faults!.runs.length);
    expect(votes.rows.every((r) => r[6]!.text === 'met')).toBe(true);
    const faults = structuredClone(withFaults.faults!);
    faults.runs[0]!.countCheck = { ...faults.runs[0]!.countCheck, counted: faults.runs[0]!.countCheck.expected + 1, met: false };
    const d = await buildDocument({ ...withFaults, faults });
    expect(table(d, 'fault-votes')!.rows[0]![6]).toEqual({ text: 'not met', bad: true });
    expect(renderMarkdown(d)).toContain('🔴 **not met**');
  });

  it('shows both storms in a table and on one chart of attempts over time', () => {
    const storm = table(doc, 'storm')!;
    expect(storm.rows.map((r) => r[0]!.text)).toEqual(['Reconnect storm, backoff with jitter', 'Reconnect storm, jitter off']);
    const chart = doc.charts.find((c) => c.id === 'storm-attempts')!;
    expect(chart.svg).toContain('<svg');
    for (const run of ['backoff with jitter', 'jitter off']) expect(chart.svg).toContain(run);
    expect(renderHtml(doc)).toContain('Reconnect storm: connection attempts per 100 ms');
  });
});
