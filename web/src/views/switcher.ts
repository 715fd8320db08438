import { TRANSPORT_LABELS, TRANSPORTS } from '../../../src/client/registry.ts';
import type { TransportName } from '../../../src/client/types.ts';
import { h, setText } from '../dom.ts';

const EXPLAIN: Record<TransportName, string> = {
  polling: 'Asks GET /api/ballot every interval. Latency is about half the interval; most answers say "nothing new".',
  'long-polling': 'The server holds each request until a vote arrives (or 25 s pass). One request per delivery, batched when busy.',
  websocket: 'One upgraded connection; each vote is pushed as one small frame.',
  sse: 'One long HTTP response (text/event-stream); each vote is an event with an id the browser resumes from.',
};

export interface SwitcherSettings {
  transport: TransportName;
  intervalMs: number;
  conditional: boolean;
}

/** The transport switcher and the polling settings (which the race's polling lane uses too). */
export class SwitcherView {
  readonly element: HTMLElement;
  readonly #radios = new Map<TransportName, HTMLInputElement>();
  readonly #explain: HTMLElement;
  readonly #interval: HTMLInputElement;
  readonly #intervalValue: HTMLElement;
  readonly #conditional: HTMLInputElement;

  constructor(initial: SwitcherSettings, onChange: (settings: SwitcherSettings, what: 'transport' | 'polling') => void) {
    const read = (): SwitcherSettings => ({
      transport: TRANSPORTS.find((t) => this.#radios.get(t)?.checked === true) ?? initial.transport,
      intervalMs: Number(this.#interval.value),
      conditional: this.#conditional.checked,
    });
    const segments = h('div', { class: 'segments', role: 'radiogroup', 'aria-label': 'Transport' });
    for (const transport of TRANSPORTS) {
      const radio = h('input', {
        type: 'radio',
        name: 'transport',
        value: transport,
        'data-testid': `transport-${transport}`,
        checked: transport === initial.transport,
      });
      radio.addEventListener('change', () => {
        this.#renderExplain(transport);
        onChange(read(), 'transport');
      });
      this.#radios.set(transport, radio);
      segments.append(h('label', { class: `segment lane-${transport}` }, radio, h('span', {}, TRANSPORT_LABELS[transport])));
    }
    this.#explain = h('p', { class: 'hint explain' });
    this.#interval = h('input', {
      type: 'range',
      min: 100,
      max: 5000,
      step: 100,
      value: initial.intervalMs,
      'data-testid': 'polling-interval',
      'aria-label': 'Polling interval in milliseconds',
    });
    this.#intervalValue = h('output', { class: 'mono' }, `${initial.intervalMs} ms`);
    this.#interval.addEventListener('input', () => setText(this.#intervalValue, `${this.#interval.value} ms`));
    this.#interval.addEventListener('change', () => onChange(read(), 'polling'));
    this.#conditional = h('input', { type: 'checkbox', checked: initial.conditional, 'data-testid': 'polling-conditional' });
    this.#conditional.addEventListener('change', () => onChange(read(), 'polling'));

    this.element = h(
      'section',
      { class: 'card switcher', 'aria-labelledby': 'switcher-title' },
      h('h2', { id: 'switcher-title' }, 'Transport'),
      segments,
      this.#explain,
      h(
        'div',
        { class: 'polling-settings' },
        h('label', { class: 'setting' }, h('span', {}, 'Polling interval'), this.#interval, this.#intervalValue),
        h('label', { class: 'setting' }, this.#conditional, h('span', {}, 'Conditional requests (If-None-Match → 304 when nothing changed)')),
        h('p', { class: 'hint' }, 'Polling settings apply here and to the race’s polling lane.'),
      ),
    );
    this.#renderExplain(initial.transport);
  }

  #renderExplain(transport: TransportName): void {
    setText(this.#explain, EXPLAIN[transport]);
  }
}
