import type { WireRecord } from '../../../src/client/types.ts';
import { h } from '../dom.ts';
import { formatBytes, formatClock } from '../format.ts';

const SHOWN = 30;

/** The last exchanges, newest first, like a browser's network tab. */
export class ExchangeLogView {
  readonly element: HTMLElement;
  readonly #body: HTMLElement;
  #lastTop: WireRecord | undefined;

  constructor() {
    this.#body = h('tbody', {});
    this.element = h(
      'section',
      { class: 'card log', 'aria-labelledby': 'log-title' },
      h('h2', { id: 'log-title' }, 'Exchanges'),
      h(
        'div',
        { class: 'log-scroll', tabindex: 0, 'aria-label': 'Recent exchanges' },
        h(
          'table',
          { class: 'log-table', 'data-testid': 'exchange-log' },
          h(
            'thead',
            {},
            h('tr', {}, h('th', {}, 'time'), h('th', {}, 'what'), h('th', {}, 'status'), h('th', {}, '↓'), h('th', {}, '↑'), h('th', {}, 'votes')),
          ),
          this.#body,
        ),
      ),
    );
  }

  render(log: readonly WireRecord[]): void {
    if (log[0] === this.#lastTop) return;
    this.#lastTop = log[0];
    const rows = log
      .slice(0, SHOWN)
      .map((record) =>
        h(
          'tr',
          { class: record.empty ? 'empty' : undefined, title: record.note },
          h('td', { class: 'mono' }, formatClock(record.at)),
          h('td', {}, record.what, record.note === undefined ? null : h('small', {}, ` ${record.note}`)),
          h('td', { class: 'mono' }, record.status === undefined ? '' : String(record.status)),
          h('td', { class: 'mono' }, record.bytesIn === 0 ? '' : formatBytes(record.bytesIn)),
          h('td', { class: 'mono' }, record.bytesOut === 0 ? '' : formatBytes(record.bytesOut)),
          h('td', { class: 'mono' }, record.events === undefined || record.events === 0 ? (record.empty ? 'empty' : '') : String(record.events)),
        ),
      );
    this.#body.replaceChildren(...rows);
  }
}
