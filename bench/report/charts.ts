import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { VARIANT_NAMES, VARIANTS } from '../plan/variants.ts';
import { summarizeChart } from './chart-summary.ts';
import { rateText } from './format.ts';
import type { BenchResults } from '../results/types.ts';
import { headlineRows, representativeRun, type ScenarioRow } from './derive.ts';
import { networkPoints } from './network-tables.ts';
import { stormAttemptsChart } from './storm-chart.ts';
import { tradeOffChart } from './trade-off-chart.ts';

export interface Chart {
  id: string;
  title: string;
  /** Inline SVG, rendered at report time by Vega (no browser, no CDN). */
  svg: string;
  /** The chart's text alternative: what it plots against what, and its data in words (chart-summary.ts). */
  summary: string;
}

const WIDTH = 560;
const HEIGHT = 280;
const label = (row: ScenarioRow): string => VARIANTS[row.variant].label;

/** One colour per transport in every chart, so a reader learns it once. */
const COLOR_SCALE = {
  domain: VARIANT_NAMES.map((v) => VARIANTS[v].label),
  range: ['#4c78a8', '#9ecae9', '#72b7b2', '#e45756', '#b279a2', '#f58518', '#54a24b', '#8c6d31'],
};
const colorBy = (legend: boolean): object => ({
  field: 'transport',
  type: 'nominal',
  scale: COLOR_SCALE,
  ...(legend ? { legend: { labelLimit: 240 } } : { legend: null }),
});
const CONFIG = { axis: { labelLimit: 240 }, font: 'system-ui, sans-serif' };

/** Every chart of the report, as SVG. */
export async function renderCharts(results: BenchResults, rows: readonly ScenarioRow[]): Promise<Chart[]> {
  const specs: { id: string; title: string; spec: TopLevelSpec | undefined }[] = [
    {
      id: 'trade-off',
      title: `Trade-off at ${results.config.headline.clients} subscribers and ${rateText(results.config.headline.rate)}: latency against bytes and against CPU (dashed: best of both)`,
      spec: tradeOffChart(results, rows),
    },
    { id: 'latency-vs-subscribers', title: 'Latency percentiles against subscribers', spec: latencyVsSubscribers(rows) },
    {
      id: 'latency-cdf',
      title: `Latency CDF, ${results.config.headline.clients} subscribers at ${rateText(results.config.headline.rate)}`,
      spec: latencyCdf(results, rows),
    },
    { id: 'bytes-per-event', title: 'Bytes on the wire per delivered event (log scale)', spec: perEventBars(results, rows, 'bytes', true) },
    { id: 'requests-per-event', title: 'HTTP requests per delivered event', spec: perEventBars(results, rows, 'requests', false) },
    { id: 'cpu-per-delivery', title: 'Server CPU ms per 1,000 deliveries', spec: perEventBars(results, rows, 'cpu', false) },
    {
      id: 'memory-per-subscriber',
      title: `Server memory per connected subscriber (at ${Math.max(...results.config.clients)})`,
      spec: memoryBars(results, rows),
    },
    { id: 'latency-vs-rtt', title: 'Latency against the network round trip (headline scenario)', spec: latencyVsRtt(results, rows) },
    { id: 'storm-attempts', title: 'Reconnect storm: connection attempts per 100 ms, with and without jitter', spec: stormAttemptsChart(results) },
  ];
  const charts: Chart[] = [];
  for (const { id, title, spec } of specs) {
    if (spec === undefined) continue;
    charts.push({ id, title, svg: await renderSvg(spec), summary: summarizeChart(spec) });
  }
  return charts;
}

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const axisTitle = (text: string): { title: string } => ({ title: text });

function latencyVsSubscribers(rows: readonly ScenarioRow[]): TopLevelSpec | undefined {
  const values = rows
    .flatMap((row) =>
      (['p50Ms', 'p99Ms'] as const).map((key) => ({
        transport: label(row),
        subscribers: row.clients,
        rate: rateText(row.rate),
        percentile: key === 'p50Ms' ? 'p50' : 'p99',
        ms: row.figures[key].median,
        generator: row.generatorSaturated ? 'flagged' : 'ok',
      })),
    )
    .filter((v) => v.ms > 0);
  if (new Set(values.map((v) => v.subscribers)).size < 2) return undefined;
  return {
    config: CONFIG,
    data: { values },
    facet: { column: { field: 'rate', type: 'nominal', title: null } },
    spec: {
      width: WIDTH / 2,
      height: HEIGHT,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'subscribers', type: 'quantitative', scale: { type: 'log' }, ...axisTitle('subscribers') },
        y: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, ...axisTitle('latency ms (log)') },
        color: colorBy(true),
        strokeDash: { field: 'percentile', type: 'nominal', legend: { symbolType: 'stroke', symbolStrokeWidth: 2 } },
        shape: { field: 'generator', type: 'nominal', title: 'load generator' },
      },
    },
  };
}

function latencyCdf(results: BenchResults, rows: readonly ScenarioRow[]): TopLevelSpec | undefined {
  const values = headlineRows(results, rows).flatMap((row) => {
    const run = representativeRun(row);
    return run.cdf.map(([percentile, micros]) => ({ transport: label(row), percentile, ms: micros / 1000 }));
  });
  if (values.length === 0) return undefined;
  return {
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, ...axisTitle('latency ms (log)') },
      y: { field: 'percentile', type: 'quantitative', scale: { domain: [0, 100] }, ...axisTitle('percentile of deliveries') },
      color: colorBy(true),
    },
    config: CONFIG,
  };
}

/** p50 and p99 of every transport against the RTT of each network run: how each transport pays for distance. */
function latencyVsRtt(results: BenchResults, rows: readonly ScenarioRow[]): TopLevelSpec | undefined {
  const values = networkPoints(results, rows).flatMap((point) =>
    (['p50', 'p99'] as const).map((percentile) => ({
      transport: VARIANTS[point.variant].label,
      network: point.profile.name,
      rttMs: point.profile.rttMs,
      percentile,
      ms: percentile === 'p50' ? point.p50Ms : point.p99Ms,
    })),
  );
  if (new Set(values.map((v) => v.rttMs)).size < 2) return undefined;
  return {
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'rttMs', type: 'quantitative', ...axisTitle('network round trip ms (loopback, lan, broadband, mobile)') },
      y: { field: 'ms', type: 'quantitative', scale: { type: 'symlog' }, ...axisTitle('latency ms (symlog)') },
      color: colorBy(true),
      strokeDash: { field: 'percentile', type: 'nominal', legend: { symbolType: 'stroke', symbolStrokeWidth: 2 } },
    },
    config: CONFIG,
  };
}

function perEventBars(results: BenchResults, rows: readonly ScenarioRow[], what: 'bytes' | 'requests' | 'cpu', log: boolean): TopLevelSpec | undefined {
  const values = headlineRows(results, rows)
    .map((row) => {
      const f = row.figures;
      const value =
        what === 'bytes'
          ? f.bytesDownPerEvent.median + f.bytesUpPerEvent.median
          : what === 'requests'
            ? f.requestsPerEvent.median
            : f.cpuMsPer1000Deliveries.median;
      return { transport: label(row), value };
    })
    .filter((v) => Number.isFinite(v.value) && (!log || v.value > 0));
  if (values.length === 0) return undefined;
  const unit = what === 'bytes' ? 'bytes per event (both directions)' : what === 'requests' ? 'requests per event' : 'CPU ms per 1,000 deliveries';
  return horizontalBars(values, unit, log);
}

function memoryBars(results: BenchResults, rows: readonly ScenarioRow[]): TopLevelSpec | undefined {
  const largest = Math.max(...results.config.clients);
  const rate = results.config.headline.rate;
  const values = rows
    .filter((r) => r.clients === largest && r.rate === rate)
    .map((row) => ({ transport: label(row), value: row.figures.memoryPerSubscriberBytes.median / 1024 }))
    .filter((v) => Number.isFinite(v.value));
  return values.length === 0 ? undefined : horizontalBars(values, 'KiB of server RSS per subscriber', false);
}

function horizontalBars(values: { transport: string; value: number }[], unit: string, log: boolean): TopLevelSpec {
  // A log axis has no zero, so there bars start at the decade below the smallest value.
  const floor = Math.pow(10, Math.floor(Math.log10(Math.min(...values.map((v) => v.value)))));
  const scale = log ? { type: 'log', domainMin: floor } : {};
  return {
    width: WIDTH,
    height: { step: 24 },
    data: { values },
    config: CONFIG,
    layer: [
      {
        mark: 'bar',
        encoding: {
          y: { field: 'transport', type: 'nominal', sort: null, title: null },
          x: { field: 'value', type: 'quantitative', scale, ...axisTitle(unit) },
          ...(log ? { x2: { datum: floor } } : {}),
          color: colorBy(false),
        },
      },
      {
        mark: { type: 'text', align: 'left', dx: 3 },
        encoding: {
          y: { field: 'transport', type: 'nominal', sort: null },
          x: { field: 'value', type: 'quantitative' },
          text: { field: 'value', type: 'quantitative', format: ',.3~r' },
        },
      },
    ],
  } as TopLevelSpec;
}
