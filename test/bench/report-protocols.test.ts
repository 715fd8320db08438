import { beforeAll, describe, expect, it } from 'vitest';
import { buildDocument } from '../../bench/report/build-document.ts';
import { browserRows, protocolPoints } from '../../bench/report/protocol-tables.ts';
import { pollModel } from '../../bench/report/protocol-model.ts';
import { derive, scenarioRows } from '../../bench/report/derive.ts';
import { renderMarkdown, type ReportDocument } from '../../bench/report/markdown.ts';
import { bytes } from '../../bench/report/format.ts';
import type { Table } from '../../bench/report/tables.ts';
import { readResultsFixture, readSectionFixture } from './helpers/report-fixtures.ts';
import type { BenchResults, ProtocolResults } from '../../bench/results/types.ts';

/**
 * results.json (the shared report fixture) with `protocols` from protocols.json: a real small run of
 * `--protocol h1-tls,h2` (polling 1 s, long polling, WebSocket and SSE, 2 subscribers at 5 votes/s, the
 * fixture's headline).
 */

let plain: BenchResults;
let results: BenchResults;
let doc: ReportDocument;
let table: Table;

beforeAll(async () => {
  plain = await readResultsFixture();
  const protocols = await readSectionFixture<ProtocolResults>('protocols.json');
  results = { ...plain, protocols };
  doc = await buildDocument(results);
  table = doc.tables.after.find((t) => t.id === 'protocols')!;
});

const row = (label: string, protocol: string): Table['rows'][number] | undefined => table.rows.find((r) => r[0]!.text === label && r[1]!.text === protocol);

describe('the "HTTP/1.1 vs HTTP/2" section of the report', () => {
  it('has a row per transport and protocol: HTTP/1.1 from the headline rows, the TLS ones from their runs, WebSocket over TLS but not over HTTP/2', () => {
    expect(table.title).toBe('HTTP/1.1 vs HTTP/2: 2 subscribers, 5 votes/s');
    for (const label of ['Polling 1 s', 'Long polling', 'SSE']) {
      for (const protocol of ['HTTP/1.1', 'HTTP/1.1 + TLS', 'HTTP/2 + TLS']) expect(row(label, protocol), `${label} ${protocol}`).toBeDefined();
    }
    expect(row('WebSocket', 'HTTP/1.1 + TLS')).toBeDefined();
    expect(row('WebSocket', 'HTTP/2 + TLS')).toBeUndefined();
    expect(protocolPoints(results, scenarioRows(results))).toHaveLength(table.rows.length);
  });

  it('shows bytes per poll at the server and the model beside it, the first request of an HTTP/2 session paying full headers', () => {
    const h2 = results.protocols!.runs.find((r) => r.protocol === 'h2' && r.scenario.variant === 'polling-1s')!.scenario;
    const perPoll = (h2.cost.serverBytesIn + h2.cost.serverBytesOut) / h2.cost.serverRequests;
    expect(row('Polling 1 s', 'HTTP/2 + TLS')![2]!.text).toBe(bytes(perPoll));
    const probe = results.probes.find((p) => p.name === 'ballot-200')!;
    const model = pollModel(probe, 'h2');
    expect(model.firstBytes).toBeGreaterThan(model.laterBytes);
    expect(row('Polling 1 s', 'HTTP/2 + TLS')![3]!.text).toContain('first');
    // TLS adds a record each way to HTTP/1.1.
    expect(pollModel(probe, 'h1-tls').laterBytes - pollModel(probe, 'h1').laterBytes).toBe(44);
  });

  it('hands the HTTP/2 rows (and WebSocket over TLS) to the verdict and the calculator, and says so under the verdict', () => {
    const rows = scenarioRows(results);
    const browser = browserRows(results, rows);
    expect(browser.replaced).toEqual(['polling-1s', 'long-polling', 'websocket', 'sse']);
    const sse = browser.rows.find((r) => r.variant === 'sse' && r.clients === 2 && r.rate === 5)!;
    const h2Sse = results.protocols!.runs.find((r) => r.protocol === 'h2' && r.scenario.variant === 'sse')!.scenario;
    expect(sse.figures.bytesPerEvent.median).toBe(derive(h2Sse).bytesPerEvent);
    expect(doc.verdict.at(-1)).toBe(
      'Figures of Polling 1 s, Long polling, WebSocket, SSE are over TLS as a browser on an HTTPS site uses them (HTTP/2; WebSocket over wss://).',
    );
    expect(renderMarkdown(doc)).toContain('### HTTP/1.1 vs HTTP/2: 2 subscribers, 5 votes/s');
  });

  it('says how to run the section when the run did not, and keeps the verdict on HTTP/1.1 figures', async () => {
    const without = await buildDocument(plain);
    const section = without.tables.after.find((t) => t.id === 'protocols')!;
    expect(section.intro).toContain('Not run: this report measured cleartext HTTP/1.1 only. `npm run bench -- --protocol h1,h1-tls,h2`');
    expect(without.verdict.join(' ')).not.toContain('over TLS');
  });
});
