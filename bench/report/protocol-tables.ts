import { PROTOCOL_LABELS } from '../plan/protocols.ts';
import { VARIANTS } from '../plan/variants.ts';
import type { BenchResults, ProtocolName, ScenarioResult, VariantName, WireProbe } from '../results/types.ts';
import { derive, headlineRows, representativeRun, rowOf, type ScenarioRow } from './derive.ts';
import { bytes, ms, num, rateText } from './format.ts';
import { eventModel, pollModel } from './protocol-model.ts';
import type { Cell, Table } from './tables.ts';

/** The command that runs this section. */
export const PROTOCOL_COMMAND = '`npm run bench -- --protocol h1,h1-tls,h2`';

/** One transport over one protocol at the headline: h1 is the main run's headline row, the others a TLS run. */
export interface ProtocolPoint {
  variant: VariantName;
  protocol: ProtocolName;
  scenario: ScenarioResult;
}

/** h1 (from the headline rows) and every TLS run, in transport then protocol order. */
export function protocolPoints(results: BenchResults, rows: readonly ScenarioRow[]): ProtocolPoint[] {
  const protocols = results.protocols;
  if (protocols === undefined) return [];
  const points: ProtocolPoint[] = [];
  const measured = new Set(protocols.runs.map((run) => run.scenario.variant));
  for (const row of headlineRows(results, rows)) {
    if (!measured.has(row.variant)) continue;
    points.push({ variant: row.variant, protocol: 'h1', scenario: representativeRun(row) });
    for (const run of protocols.runs.filter((r) => r.scenario.variant === row.variant))
      points.push({ variant: row.variant, protocol: run.protocol, scenario: run.scenario });
  }
  return points;
}

/**
 * The headline rows as a browser on an HTTPS site would see them: a transport measured over HTTP/2
 * stands for itself over h2, a WebSocket over TLS for itself over wss://; the others as measured.
 * The verdict and the calculator use these rows.
 */
export function browserRows(results: BenchResults, rows: readonly ScenarioRow[]): { rows: ScenarioRow[]; replaced: VariantName[] } {
  const protocols = results.protocols;
  if (protocols === undefined) return { rows: [...rows], replaced: [] };
  const replaced: VariantName[] = [];
  const { clients, rate } = results.config.headline;
  const out = rows.map((row) => {
    if (row.clients !== clients || row.rate !== rate) return row;
    const wanted: ProtocolName = VARIANTS[row.variant].transport === 'websocket' ? 'h1-tls' : 'h2';
    const runs = protocols.runs.filter((r) => r.protocol === wanted && r.scenario.variant === row.variant).map((r) => r.scenario);
    if (runs.length === 0) return row;
    replaced.push(row.variant);
    return rowOf(runs);
  });
  return { rows: out, replaced };
}

const cell = (text: string, bad = false): Cell => (bad ? { text, bad } : { text });

function probeFor(probes: readonly WireProbe[], point: ProtocolPoint): WireProbe | undefined {
  const spec = VARIANTS[point.variant];
  const name =
    spec.transport === 'polling' ? 'ballot-200' : spec.transport === 'long-polling' ? 'long-poll-200' : spec.transport === 'sse' ? 'sse-event' : 'ws-frame';
  return probes.find((p) => p.name === name);
}

/**
 * Per transport and protocol: the bytes of one poll (request and answer, at the server's TCP socket)
 * with the model beside it, the bytes per delivered event, the server's CPU per delivery and latency.
 */
export function protocolTable(results: BenchResults, rows: readonly ScenarioRow[]): Table {
  const protocols = results.protocols;
  if (protocols === undefined) {
    return {
      id: 'protocols',
      title: 'HTTP/1.1 vs HTTP/2',
      intro: `Not run: this report measured cleartext HTTP/1.1 only. ${PROTOCOL_COMMAND} (or --full) runs the headline scenario of polling, long polling and SSE over HTTP/1.1 with TLS and over HTTP/2 with TLS, and WebSocket over TLS.`,
      columns: ['protocol', 'what it is'],
      rows: [
        [cell(PROTOCOL_LABELS['h1-tls']), cell('the server with --tls, clients offering http/1.1 only: one TLS connection per subscriber')],
        [cell(PROTOCOL_LABELS.h2), cell('the server with --tls, clients offering h2: one HTTP/2 session per subscriber, as a browser tab has')],
      ],
    };
  }
  const tableRows: Cell[][] = protocolPoints(results, rows).map((point) => {
    const spec = VARIANTS[point.variant];
    const d = derive(point.scenario);
    const { cost } = point.scenario;
    const polls = spec.transport === 'polling' || spec.transport === 'long-polling';
    const probe = probeFor(results.probes, point);
    let model = '–';
    let formula = '–';
    if (probe !== undefined && polls) {
      const m = pollModel(probe, point.protocol);
      model = m.firstBytes === m.laterBytes ? bytes(m.laterBytes) : `${bytes(m.laterBytes)} (first ${bytes(m.firstBytes)})`;
      formula = m.formula;
    } else if (probe !== undefined) {
      const m = eventModel(probe, point.protocol);
      model = bytes(m.bytes);
      formula = m.formula;
    }
    const perPoll = polls && cost.serverRequests > 0 ? bytes((cost.serverBytesIn + cost.serverBytesOut) / cost.serverRequests) : '–';
    const cpuNet = d.cpuMsPer1000DeliveriesNet;
    const { lost, duplicated, outOfOrder } = point.scenario.coherence;
    return [
      cell(spec.label),
      cell(PROTOCOL_LABELS[point.protocol]),
      cell(perPoll),
      cell(polls ? model : '–'),
      cell(bytes(d.bytesDownPerEvent)),
      cell(bytes(d.bytesUpPerEvent)),
      cell(polls ? '–' : model),
      cell(formula),
      cell(num(d.cpuMsPer1000Deliveries, 1)),
      cell(Number.isFinite(cpuNet) ? num(cpuNet, 1) : '–'),
      cell(ms(d.p50Ms)),
      cell(ms(d.p99Ms)),
      cell(`${lost} / ${duplicated} / ${outOfOrder}`, lost + duplicated + outOfOrder > 0),
      cell(point.scenario.generator.saturated ? `flagged: ${point.scenario.generator.reasons.join('; ')}` : 'ok', point.scenario.generator.saturated),
    ];
  });
  const notRun = (['h1-tls', 'h2'] as const).filter((p) => !protocols.protocols.includes(p));
  return {
    id: 'protocols',
    title: `HTTP/1.1 vs HTTP/2: ${protocols.clients} subscribers, ${rateText(protocols.rate)}`,
    intro:
      'The headline scenario of the real server with its subscribers over cleartext HTTP/1.1 (the main run), HTTP/1.1 with TLS and HTTP/2 with TLS (the server started with --tls; one connection, and over h2 one HTTP/2 session, per subscriber, as a browser tab has). WebSocket always upgrades over HTTP/1.1: its TLS row is wss://. Bytes are counted at the server\'s TCP sockets, so they include TLS records and HTTP/2 framing (and the TLS handshakes of connections opened in the window). "bytes / poll" is both directions per request; its model is from the HTTP/1.1 wire probes of this run: over HTTP/2 the first request of a session pays its headers in full, later ones mostly index into the HPACK table. CPU per 1,000 deliveries is what TLS and HTTP/2 framing cost the server; "net" takes off the idle cost measured with the subscribers connected and no votes.',
    columns: [
      'Transport',
      'protocol',
      'bytes / poll',
      'model bytes / poll',
      'bytes / event ↓',
      'bytes / event ↑',
      'model bytes / event',
      'model',
      'CPU ms / 1,000 deliveries',
      'net of idle',
      'p50 ms',
      'p99 ms',
      'lost / dup / out of order',
      'load generator',
    ],
    rows: tableRows,
    notes: notRun.length === 0 ? [] : [`Not run: ${notRun.map((p) => PROTOCOL_LABELS[p]).join(', ')}. ${PROTOCOL_COMMAND} runs them.`],
  };
}
