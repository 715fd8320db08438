import type { IntegrityCounters } from '../../../src/client/cursor.ts';
import { h, setText } from '../dom.ts';

/** Gaps, duplicates and resyncs, always on screen: they stay at zero, and that is the proof. */
export class IntegrityView {
  readonly element: HTMLElement;
  readonly #gaps = h('strong', { 'data-testid': 'integrity-gaps' }, '0');
  readonly #duplicates = h('strong', { 'data-testid': 'integrity-duplicates' }, '0');
  readonly #resyncs = h('strong', { 'data-testid': 'integrity-resyncs' }, '0');
  readonly #seq = h('strong', { 'data-testid': 'cursor-seq' }, '–');

  constructor() {
    const item = (label: string, value: HTMLElement, title: string) =>
      h('span', { class: 'proof-item', title }, h('span', { class: 'proof-label' }, label), value);
    this.element = h(
      'div',
      // Not a live region: the seq changes with every vote and would be read out each time.
      { class: 'proof', role: 'group', 'aria-label': 'Integrity counters' },
      item('gaps', this.#gaps, 'Events that never arrived (a seq was skipped)'),
      item('duplicates', this.#duplicates, 'Events that arrived twice'),
      item('resyncs', this.#resyncs, 'Times the server had to send a fresh snapshot instead of the missed events'),
      item('seq', this.#seq, 'The cursor: the last event this page holds, handed to the next transport on a switch'),
    );
  }

  render(counters: Readonly<IntegrityCounters>, seq: number | undefined): void {
    setText(this.#gaps, String(counters.gaps));
    setText(this.#duplicates, String(counters.duplicates));
    setText(this.#resyncs, String(counters.resyncs));
    setText(this.#seq, seq === undefined ? '–' : String(seq));
    const clean = counters.gaps === 0 && counters.duplicates === 0;
    this.element.classList.toggle('proof-bad', !clean);
    this.element.classList.toggle('proof-warn', clean && counters.resyncs > 0);
  }
}
