import { estimateCosts, type CalculatorData } from './calculator.ts';

/**
 * The calculator of index.html: a form and an inline script, nothing fetched. The script carries this
 * run's unit costs as JSON and `estimateCosts` itself, serialised, so the page computes exactly what
 * report.md's presets table does.
 */
export function calculatorHtml(data: CalculatorData): string {
  if (data.transports.length === 0) return '';
  // `<` escaped so no figure or label can close the script element.
  const json = JSON.stringify(data).replaceAll('<', '\\u003c');
  const profiles =
    data.profiles.length === 0
      ? ''
      : `<label>Network <select id="calc-profile"><option value="">loopback</option>${data.profiles.map((p) => `<option value="${p}">${p}</option>`).join('')}</select></label>`;
  return `<section id="choose"><h2>Choose for your app</h2>
<p>Describe your workload: every transport's expected figures, scaled from this run's measured costs at the nearest measured scenario (a linear projection: it ignores kernel, network and memory limits). ✅ meets the p99 budget; ★ the one of those that needs the fewest server cores.</p>
<form id="calc" class="calc" onsubmit="return false">
<label>Clients <input id="calc-clients" type="number" min="1" step="1" value="10000"></label>
<label>Updates per second <input id="calc-rate" type="number" min="0.01" step="any" value="1"></label>
<label>p99 budget ms <input id="calc-budget" type="number" min="1" step="any" value="1000"></label>
${profiles}
</form>
<div class="scroll" tabindex="0" role="region" aria-label="Calculator results (scrolls sideways)"><table><thead><tr><th>Transport</th><th>p50 ms</th><th>p99 ms</th><th>requests/s</th><th>Mbit/s</th><th>server cores</th><th>server memory</th><th>within budget</th><th>scaled from</th></tr></thead><tbody id="calc-out"></tbody></table></div>
<script>
const CALCULATOR_DATA = ${json};
const estimateCosts = ${estimateCosts.toString()};
(() => {
  const field = (id) => document.getElementById(id);
  const fmt = (v, d) => (v >= 1000 ? Math.round(v).toLocaleString('en-US') : v >= 100 ? v.toFixed(0) : v.toFixed(d));
  const size = (b) => (b >= 1073741824 ? (b / 1073741824).toFixed(1) + ' GiB' : b >= 1048576 ? (b / 1048576).toFixed(1) + ' MiB' : (b / 1024).toFixed(1) + ' KiB');
  const cell = (text, cls) => { const td = document.createElement('td'); td.textContent = text; if (cls) td.className = cls; return td; };
  const update = () => {
    const workload = {
      clients: Number(field('calc-clients').value) || 0,
      updatesPerSecond: Number(field('calc-rate').value) || 0,
      p99BudgetMs: Number(field('calc-budget').value) || 0,
      profile: field('calc-profile') ? field('calc-profile').value : '',
    };
    const out = field('calc-out');
    out.replaceChildren();
    for (const e of estimateCosts(CALCULATOR_DATA, workload)) {
      const tr = document.createElement('tr');
      tr.append(cell(e.cheapest ? '★ ' + e.label : e.label), cell(fmt(e.p50Ms, 2)), cell(fmt(e.p99Ms, 2)), cell(fmt(e.requestsPerSecond, 0)), cell(fmt(e.megabitsPerSecond, 2)), cell(fmt(e.cores, 2)), cell(size(e.memoryBytes)), e.meetsBudget ? cell('✅ yes') : cell('no', 'bad'), cell(e.nearest));
      out.append(tr);
    }
  };
  field('calc').addEventListener('input', update);
  update();
})();
</script></section>`;
}
