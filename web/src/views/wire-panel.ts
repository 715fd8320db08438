import { TRANSPORT_LABELS } from '../../../src/client/registry.ts';
import type { TransportName } from '../../../src/client/types.ts';
import type { TransportCounters } from '../api.ts';
import { h, setText } from '../dom.ts';
import { formatBytes, formatCount, formatMs } from '../format.ts';
import type { PageTotals } from '../live-feed.ts';
import type { RunningPercentiles } from '../models/stats.ts';

export interface WireSnapshot {
  transport: TransportName;
  page: PageTotals;
  /** Counter increases since this transport was selected; undefined until two metric reads exist. */
  server: TransportCounters | undefined;
  /** The server keeps its metrics behind METRICS_TOKEN: its column cannot be filled. */
  serverNeedsToken: boolean;
  own: RunningPercentiles;
  others: RunningPercentiles;
  /** Seconds since this transport was selected. */
  seconds: number;
}

type Cell = HTMLElement;

/**
 * What the current transport costs, from two places that are labelled as such: what this page can
 * see (bodies and frames; a page cannot see headers or framing), and the server's own counters at the
 * socket (headers and framing included, all clients of this transport together).
 */
export class WirePanelView {
  readonly element: HTMLElement;
  readonly #title: HTMLElement;
  readonly #cells = new Map<string, Cell>();
  readonly #pollingNote: HTMLElement;
  readonly #tokenNote: HTMLElement;

  constructor() {
    this.#title = h('h2', { id: 'wire-title' }, 'On the wire');
    const row = (key: string, label: string, hint: string) =>
      h('tr', {}, h('th', { scope: 'row', title: hint }, label), this.#cell(`page-${key}`), this.#cell(`server-${key}`));
    const table = h(
      'table',
      { class: 'wire-table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'figure')),
          h('th', { scope: 'col' }, 'this page sees', h('small', {}, 'bodies & frames')),
          h('th', { scope: 'col' }, 'server, at the socket', h('small', {}, 'headers & framing · all clients')),
        ),
      ),
      h(
        'tbody',
        {},
        row('requests', 'requests / connections', 'HTTP requests; for WebSocket and SSE, connections opened'),
        row('messages', 'responses / frames / events', 'What came back: responses for the polling kinds, messages for the push kinds'),
        row('empty', 'empty responses', '304 (polling) or 204 (long polling): a round trip that brought nothing'),
        row('events', 'votes delivered', 'Vote events that reached this page (server: to all its clients)'),
        row('bytesIn', 'bytes to the client', 'Page: bodies and frames received. Server: bytes written to sockets'),
        row('bytesOut', 'bytes from the client', 'Page: bodies and frames sent. Server: bytes read from sockets'),
      ),
    );
    this.#pollingNote = h(
      'p',
      { class: 'hint', hidden: true },
      'Polling snapshots carry no per-vote time, so others’ votes cannot be timed one by one here; the race view times them against the push lanes.',
    );
    this.#tokenNote = h(
      'p',
      { class: 'hint', hidden: true, 'data-testid': 'wire-token-note' },
      'Server counters: this server keeps its metrics behind a token (METRICS_TOKEN), so this page cannot read them. The page’s own column still counts.',
    );
    const latency = h(
      'table',
      { class: 'latency-table' },
      h('thead', {}, h('tr', {}, h('th', {}, 'update latency'), h('th', {}, 'last'), h('th', {}, 'p50'), h('th', {}, 'p95'), h('th', {}, 'n'))),
      h(
        'tbody',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'row', title: 'From your click to the update arriving over this transport (matched by voteId)' }, 'your votes: click → update'),
          this.#cell('own-last'),
          this.#cell('own-p50'),
          this.#cell('own-p95'),
          this.#cell('own-n'),
        ),
        h(
          'tr',
          {},
          h('th', { scope: 'row', title: 'From the server accepting the vote (votedAt) to it arriving here' }, 'others’ votes: votedAt → update'),
          this.#cell('others-last'),
          this.#cell('others-p50'),
          this.#cell('others-p95'),
          this.#cell('others-n'),
        ),
      ),
    );
    this.element = h('section', { class: 'card wire', 'aria-labelledby': 'wire-title' }, this.#title, table, this.#tokenNote, latency, this.#pollingNote);
  }

  #cell(key: string): Cell {
    const cell = h('td', { class: 'mono', 'data-testid': `wire-${key}` }, '–');
    this.#cells.set(key, cell);
    return cell;
  }

  #set(key: string, text: string): void {
    const cell = this.#cells.get(key);
    if (cell !== undefined) setText(cell, text);
  }

  render(wire: WireSnapshot): void {
    setText(this.#title, `On the wire — ${TRANSPORT_LABELS[wire.transport]}, last ${Math.floor(wire.seconds)} s`);
    const { page, server } = wire;
    // '…' while the first reads are due; 'token needed' when they will never come.
    const pending = wire.serverNeedsToken ? 'token needed' : '…';
    this.#set('page-requests', formatCount(page.requests));
    this.#set('page-messages', formatCount(page.messages));
    this.#set('page-empty', formatCount(page.emptyResponses));
    this.#set('page-events', formatCount(page.events));
    this.#set('page-bytesIn', formatBytes(page.bytesIn));
    this.#set('page-bytesOut', formatBytes(page.bytesOut));
    this.#set('server-requests', server === undefined ? pending : formatCount(server.requests));
    this.#set('server-messages', '–');
    this.#set('server-empty', server === undefined ? pending : formatCount(server.emptyResponses));
    this.#set('server-events', server === undefined ? pending : formatCount(server.deliveries));
    this.#set('server-bytesIn', server === undefined ? pending : formatBytes(server.bytesOut));
    this.#set('server-bytesOut', server === undefined ? pending : formatBytes(server.bytesIn));
    for (const [kind, stats] of [
      ['own', wire.own],
      ['others', wire.others],
    ] as const) {
      this.#set(`${kind}-last`, formatMs(stats.last()));
      this.#set(`${kind}-p50`, formatMs(stats.percentile(50)));
      this.#set(`${kind}-p95`, formatMs(stats.percentile(95)));
      this.#set(`${kind}-n`, formatCount(stats.total));
    }
    this.#pollingNote.hidden = wire.transport !== 'polling';
    this.#tokenNote.hidden = !wire.serverNeedsToken;
  }
}
