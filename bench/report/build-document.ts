import type { BenchResults } from '../results/types.ts';
import { calculatorData } from './calculator-data.ts';
import { capacityTable, capacityTargetsTable, generatorCapacityTable } from './capacity-tables.ts';
import { presetsTable } from './presets-table.ts';
import { renderCharts } from './charts.ts';
import { faultsTable, faultVotesTable, notRunTable, stormTable } from './fault-tables.ts';
import { conclusions } from './conclusions.ts';
import { scenarioRows } from './derive.ts';
import type { ReportDocument } from './markdown.ts';
import { methodParagraphs } from './method.ts';
import { networkConclusions, networkMethod, networkTable } from './network-tables.ts';
import {
  checksTable,
  environmentTable,
  failuresTable,
  feedsTable,
  modelTable,
  problemsTable,
  overheadTable,
  projectionTable,
  scenariosTable,
  summaryTable,
  referencesTable,
  type Table,
} from './tables.ts';
import { verdict } from './verdict.ts';
import { browserRows, protocolTable } from './protocol-tables.ts';
import { VARIANTS } from '../plan/variants.ts';
import type { VariantName } from '../results/types.ts';

/** Says which of the verdict's figures are over HTTP/2 (or wss://): those a browser on an HTTPS site would see. */
function withProtocolNote(sentences: string[], replaced: readonly VariantName[]): string[] {
  if (replaced.length === 0) return sentences;
  const names = replaced.map((v) => VARIANTS[v].label).join(', ');
  return [...sentences, `Figures of ${names} are over TLS as a browser on an HTTPS site uses them (HTTP/2; WebSocket over wss://).`];
}

/** Everything the report says, computed from results.json alone. */
export async function buildDocument(results: BenchResults): Promise<ReportDocument> {
  const rows = scenarioRows(results);
  // The verdict and the calculator answer for a browser on an HTTPS site: HTTP/2 figures where they were run.
  const browser = browserRows(results, rows);
  const calculator = calculatorData(results, browser.rows);
  const presets = presetsTable(calculator);
  const failures = failuresTable(results);
  const problems = problemsTable(results);
  const before: Table[] = [
    ...(failures === undefined ? [] : [failures]),
    ...(problems === undefined ? [] : [problems]),
    summaryTable(results, rows),
    referencesTable(results, rows),
    ...(presets === undefined ? [] : [presets]),
    checksTable(rows),
  ];
  const feeds = feedsTable(results);
  const after: Table[] = [
    scenariosTable(rows),
    ...(feeds === undefined ? [] : [feeds]),
    ...[capacityTable(results), capacityTargetsTable(results), generatorCapacityTable(results)].filter((t): t is Table => t !== undefined),
    networkTable(results, rows),
    protocolTable(results, rows),
    ...[faultsTable(results), faultVotesTable(results), stormTable(results), notRunTable(results)].filter((t): t is Table => t !== undefined),
    overheadTable(results),
    modelTable(results, rows),
    projectionTable(results, rows),
    environmentTable(results),
  ];
  const e = results.environment;
  return {
    title: 'Votewire transport bench',
    subtitle: `${results.startedAt.slice(0, 19).replace('T', ' ')} UTC · ${e.cpuModel}, ${e.cores} cores · Node ${e.node} · commit ${e.gitCommit?.slice(0, 10) ?? 'unknown'}${results.config.quick ? ' · --quick' : ''}`,
    verdict: withProtocolNote(verdict(results, browser.rows), browser.replaced),
    conclusions: [...conclusions(results, rows), ...networkConclusions(results, rows)],
    tables: { before, after },
    charts: await renderCharts(results, rows),
    calculator,
    // The network paragraph goes before the last one, which says how to repeat the run.
    method: [...methodParagraphs(results).slice(0, -1), networkMethod(results), ...methodParagraphs(results).slice(-1)],
  };
}
