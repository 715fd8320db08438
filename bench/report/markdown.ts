import type { CalculatorData } from './calculator.ts';
import type { Chart } from './charts.ts';
import type { Table } from './tables.ts';

export interface ReportDocument {
  title: string;
  subtitle: string;
  /** At most six sentences, each with its figure: which transport for which app. */
  verdict: string[];
  /** Every finding in detail, below the verdict. */
  conclusions: string[];
  tables: { before: Table[]; after: Table[] };
  charts: Chart[];
  /** This run's unit costs for the calculator in index.html. */
  calculator: CalculatorData;
  method: string[];
}

const escapeCell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** A Markdown table; cells that are bad are marked with a red circle (GitHub has no coloured text). */
export function markdownTable(table: Table): string {
  // GitHub renders a <details> section with Markdown inside when blank lines surround it.
  const lines = table.collapsed === true ? [`<details><summary><b>${table.title}</b></summary>`, ''] : [`### ${table.title}`, ''];
  if (table.intro !== undefined) lines.push(table.intro, '');
  const header = table.columns.every((c) => c === '') ? table.columns.map(() => ' ') : table.columns;
  lines.push(`| ${header.map(escapeCell).join(' | ')} |`, `|${table.columns.map(() => ' --- ').join('|')}|`);
  for (const row of table.rows) {
    lines.push(`| ${row.map((c) => escapeCell(c.bad === true ? `🔴 **${c.text}**` : c.text)).join(' | ')} |`);
  }
  for (const note of table.notes ?? []) lines.push('', `_${note}_`);
  if (table.collapsed === true) lines.push('', '</details>');
  return lines.join('\n');
}

/** report.md: the same tables as the HTML report, readable on GitHub; charts are in index.html. */
export function renderMarkdown(doc: ReportDocument): string {
  return [
    `# ${doc.title}`,
    '',
    doc.subtitle,
    '',
    '## Verdict',
    '',
    doc.verdict.join(' '),
    '',
    `<details><summary>All findings (${doc.conclusions.length})</summary>`,
    '',
    ...doc.conclusions.map((c) => `- ${c}`),
    '',
    '</details>',
    '',
    '## Results',
    '',
    ...doc.tables.before.flatMap((t) => [markdownTable(t), '']),
    `_Charts (${doc.charts.map((c) => c.title.toLowerCase()).join('; ')}) are in index.html next to this file._`,
    '',
    ...doc.tables.after.flatMap((t) => [markdownTable(t), '']),
    '## Method',
    '',
    '<details><summary>How the figures were measured</summary>',
    '',
    ...doc.method.flatMap((p) => [p, '']),
    '</details>',
    '',
  ].join('\n');
}
