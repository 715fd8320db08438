import { calculatorHtml } from './calculator-page.ts';
import type { Chart } from './charts.ts';
import type { ReportDocument } from './markdown.ts';
import type { Table } from './tables.ts';

export function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/** Escapes, then turns `code` spans into <code>: the only markup the report's sentences use. */
function inline(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

function htmlTable(table: Table): string {
  const head = table.columns.every((c) => c === '') ? '' : `<thead><tr>${table.columns.map((c) => `<th>${inline(c)}</th>`).join('')}</tr></thead>`;
  const body = table.rows.map((row) => `<tr>${row.map((c) => `<td${c.bad === true ? ' class="bad"' : ''}>${inline(c.text)}</td>`).join('')}</tr>`).join('\n');
  const content = [
    table.intro === undefined ? '' : `<p>${inline(table.intro)}</p>`,
    // A wide table scrolls inside its own box, which a keyboard user can focus and scroll.
    `<div class="scroll" tabindex="0" role="region" aria-label="${escapeHtml(table.title)} (scrolls sideways)"><table>${head}<tbody>${body}</tbody></table></div>`,
    ...(table.notes ?? []).map((n) => `<p class="note">${inline(n)}</p>`),
  ];
  if (table.collapsed === true) {
    return [`<section id="${table.id}"><details><summary><h3>${inline(table.title)}</h3></summary>`, ...content, '</details></section>'].join('\n');
  }
  return [`<section id="${table.id}"><h3>${inline(table.title)}</h3>`, ...content, '</section>'].join('\n');
}

/**
 * A chart as a figure: its title as the caption, the picture as one image named by that title and
 * described by the text under it, which says in words what the picture shows (for screen readers, and
 * for anyone who would rather read the numbers).
 */
function htmlChart(chart: Chart): string {
  return [
    `<figure id="${chart.id}"><figcaption id="${chart.id}-title">${escapeHtml(chart.title)}</figcaption>`,
    `<div class="chart" role="img" aria-labelledby="${chart.id}-title" aria-describedby="${chart.id}-summary">${chart.svg}</div>`,
    `<p class="note" id="${chart.id}-summary">${escapeHtml(chart.summary)}</p></figure>`,
  ].join('');
}

const STYLE = `
body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; padding: 0 1rem; color: #222; }
h1 { margin-bottom: 0; } .subtitle { color: #555; margin-top: .3rem; }
table { border-collapse: collapse; font-size: 13px; } th, td { border: 1px solid #ddd; padding: 3px 6px; text-align: right; white-space: nowrap; }
td:first-child, th:first-child { text-align: left; } th { background: #f4f4f4; }
td.bad { color: #b00020; font-weight: 600; background: #fdecee; }
.scroll { overflow-x: auto; max-width: 100%; } .scroll:focus { outline: 2px solid #4c78a8; }
p, li { overflow-wrap: anywhere; }
summary { cursor: pointer; } summary h2, summary h3 { display: inline; }
figure svg { max-width: 100%; height: auto; } figure .note { max-width: 560px; } .note { color: #555; font-size: 13px; }
.charts { display: flex; flex-wrap: wrap; gap: 1.5rem; } figure { margin: 0; max-width: 100%; } figcaption { font-weight: 600; margin-bottom: .3rem; }
.calc { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; margin-bottom: .5rem; } .calc input { width: 7rem; }
code { background: #f4f4f4; padding: 0 3px; border-radius: 3px; }
`;

/** index.html: self-contained (inline CSS, inline SVG charts), opens offline. */
export function renderHtml(doc: ReportDocument): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(doc.title)}</title><style>${STYLE}</style></head>
<body>
<main>
<h1>${escapeHtml(doc.title)}</h1>
<p class="subtitle">${inline(doc.subtitle)}</p>
<h2>Verdict</h2>
<p class="verdict">${doc.verdict.map(inline).join(' ')}</p>
<details><summary>All findings (${doc.conclusions.length})</summary>
<ul>${doc.conclusions.map((c) => `<li>${inline(c)}</li>`).join('\n')}</ul>
</details>
${calculatorHtml(doc.calculator)}
<h2>Results</h2>
${doc.tables.before
  .filter((t) => t.id !== 'choose')
  .map(htmlTable)
  .join('\n')}
<h2>Charts</h2>
<div class="charts">
${doc.charts.map(htmlChart).join('\n')}
</div>
${doc.tables.after.map(htmlTable).join('\n')}
<details id="method"><summary><h2>Method</h2></summary>
${doc.method.map((p) => `<p>${inline(p)}</p>`).join('\n')}
</details>
</main>
</body></html>
`;
}
