import { TRANSPORT_LABELS } from '../../../src/client/registry.ts';
import { h, setText } from '../dom.ts';
import { formatMs } from '../format.ts';
import type { ConnectionState } from '../live-feed.ts';

/** After this many failed attempts (or this long) we stop saying "reconnecting" and say the server is gone. */
const GONE_AFTER_ATTEMPTS = 3;
const GONE_AFTER_MS = 4000;

/** The status pill in the header and, when the connection is lost, a plain-language banner. */
export class ConnectionView {
  readonly pill: HTMLElement;
  readonly banner: HTMLElement;
  readonly #pillText: HTMLElement;
  readonly #bannerText: HTMLElement;

  constructor() {
    this.#pillText = h('span', {});
    this.pill = h(
      'span',
      { class: 'pill', 'data-testid': 'connection-status', role: 'status' },
      h('span', { class: 'dot', 'aria-hidden': 'true' }),
      this.#pillText,
    );
    this.#bannerText = h('span', {});
    this.banner = h('div', { class: 'banner', role: 'alert', 'data-testid': 'connection-banner', hidden: true }, this.#bannerText);
  }

  render(state: ConnectionState, now: number, seq: number | undefined): void {
    const label = TRANSPORT_LABELS[state.transport];
    this.pill.dataset.state = state.status;
    this.pill.dataset.transport = state.transport;
    const words = { connecting: 'connecting', open: 'live', reconnecting: 'reconnecting', closed: 'stopped' }[state.status];
    setText(this.#pillText, `${label} · ${words}`);

    if (state.status !== 'reconnecting') {
      this.banner.hidden = true;
      return;
    }
    this.banner.hidden = false;
    const lostFor = state.lostSince === undefined ? 0 : now - state.lostSince;
    const attempt = state.reconnect?.attempt ?? 0;
    const gone = attempt >= GONE_AFTER_ATTEMPTS || lostFor >= GONE_AFTER_MS;
    const next = state.retryAt === undefined ? '' : ` Next try in ${(Math.max(0, state.retryAt - now) / 1000).toFixed(1)} s (attempt ${attempt}).`;
    const frozen =
      seq === undefined
        ? ''
        : ` The counts shown are as of vote #${seq}; when it is back this page resumes from there (or reloads the counts, if the server lost them).`;
    this.banner.classList.toggle('gone', gone);
    setText(
      this.#bannerText,
      gone ? `The server is gone — no answer for ${formatMs(lostFor)}.${next}${frozen}` : `Lost the connection over ${label}; reconnecting.${next}`,
    );
  }
}
