import type { TopLevelSpec } from 'vega-lite';

/**
 * A chart's text alternative, read from the same Vega-Lite spec that draws it, so the words and the picture
 * cannot disagree and every chart (a new one too) gets one: what is plotted against what, then the data.
 * Bars: each bar's value. Lines and points: each series from its first to its last point, and its
 * smallest and largest value when those are elsewhere.
 */
export function summarizeChart(spec: TopLevelSpec): string {
  return views(spec as unknown as SpecNode, undefined)
    .map(describeView)
    .filter((text) => text !== '')
    .join(' ');
}

type Row = Record<string, unknown>;
interface Channel {
  field?: string;
  type?: string;
  title?: string | null;
}
interface SpecNode {
  data?: { values?: Row[] };
  encoding?: Record<string, Channel | undefined>;
  layer?: SpecNode[];
  hconcat?: SpecNode[];
  vconcat?: SpecNode[];
  spec?: SpecNode;
  facet?: Record<string, Channel | undefined>;
}
interface View {
  values: Row[];
  encoding: Record<string, Channel | undefined>;
  /** A facet splits the data further (e.g. one panel per rate): named in each series. */
  facetField: string | undefined;
}

/** Every drawn layer with its data (inherited from the parent when it has none of its own) and encoding. */
function views(node: SpecNode, inherited: Row[] | undefined, facetField?: string): View[] {
  const values = node.data?.values ?? inherited;
  const facet = facetField ?? node.facet?.column?.field ?? node.facet?.row?.field;
  const children = [...(node.layer ?? []), ...(node.hconcat ?? []), ...(node.vconcat ?? []), ...(node.spec === undefined ? [] : [node.spec])];
  const own = node.encoding !== undefined && values !== undefined ? [{ values, encoding: node.encoding, facetField: facet }] : [];
  // A text layer repeats its bars' numbers, and a path drawn in an `order` (the trade-off's frontier)
  // joins points listed by their own layer: each is said once.
  const drawn = own.filter((view) => view.encoding.text === undefined && view.encoding.order === undefined);
  return [...drawn, ...children.flatMap((child) => views(child, values, facet))];
}

/** Three significant digits, no thousands separator (a comma would be read as the one between x and y). */
const number = (value: unknown): string =>
  typeof value === 'number' ? (Math.abs(value) >= 100 ? String(Math.round(value)) : String(Number(value.toPrecision(3)))) : String(value);

/** An axis title without its scale note: "latency ms (log)" reads as "latency ms". */
const plain = (title: string): string => title.replace(/\s*\((?:log|symlog)\)$/, '');

const titleOf = (channel: Channel): string => (typeof channel.title === 'string' ? channel.title : (channel.field ?? ''));

function describeView({ values, encoding, facetField }: View): string {
  const { x, y } = encoding;
  if (x?.field === undefined || y?.field === undefined || values.length === 0) return '';
  const xField = x.field;
  const yField = y.field;
  // Bars: one category axis, one value axis.
  const category = x.type === 'nominal' ? x : y.type === 'nominal' ? y : undefined;
  if (category?.field !== undefined) {
    const measure = category === x ? y : x;
    const categoryField = category.field;
    const measureField = measure.field ?? '';
    return `${plain(titleOf(measure))}: ${values.map((row) => `${String(row[categoryField])} ${number(row[measureField])}`).join('; ')}.`;
  }
  const seriesFields = [encoding.color?.field, encoding.strokeDash?.field, facetField].filter((f): f is string => f !== undefined);
  const series = new Map<string, Row[]>();
  for (const row of values) {
    const key = seriesFields.map((field) => String(row[field])).join(', ');
    series.set(key, [...(series.get(key) ?? []), row]);
  }
  const lines = [...series].map(([name, rows]) => {
    // Ties on x (a CDF's steps) in order of y, so the last point is the top of the last step.
    const sorted = [...rows].sort((a, b) => Number(a[xField]) - Number(b[xField]) || Number(a[yField]) - Number(b[yField]));
    const point = (row: Row) => `(${number(row[xField])}, ${number(row[yField])})`;
    const label = name === '' ? '' : `${name} `;
    const first = sorted[0];
    const last = sorted.at(-1);
    if (first === undefined || last === undefined) return '';
    if (sorted.length === 1) return `${label}${point(first)}`;
    // A peak or a dip between the ends is said too (the reconnect storm's herd is one).
    const ends = [Number(first[yField]), Number(last[yField])];
    const byY = [...sorted].sort((a, b) => Number(a[yField]) - Number(b[yField]));
    const low = byY[0];
    const high = byY.at(-1);
    const turns = [
      low !== undefined && Number(low[yField]) < Math.min(...ends) ? `lowest ${point(low)}` : '',
      high !== undefined && Number(high[yField]) > Math.max(...ends) ? `highest ${point(high)}` : '',
    ].filter((text) => text !== '');
    return `${label}from ${point(first)} to ${point(last)}${turns.length === 0 ? '' : ` (${turns.join(', ')})`}`;
  });
  return `${plain(titleOf(y))} against ${plain(titleOf(x))}, as (x, y): ${lines.join('; ')}.`;
}
