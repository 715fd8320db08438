import type { Candidate } from '../../../src/feed/types.ts';
import { h, setText } from '../dom.ts';
import { formatCount } from '../format.ts';

interface Row {
  button: HTMLButtonElement;
  bar: HTMLElement;
  count: HTMLElement;
  /** Heard, not seen: "votes, 40%" after the count, so the button's name is its visible text and more. */
  share: HTMLElement;
  shown: number;
}

/**
 * The candidates as bars with live counts. Each row is a button: click, or Tab to it and press
 * Enter/Space, or press its number key anywhere on the page. A button's accessible name is its content
 * ("Polling 12 votes, 40%"), so it contains the visible text a voice-control user says ("click Polling").
 */
export class BallotView {
  readonly element: HTMLElement;
  readonly #list: HTMLElement;
  readonly #rows = new Map<string, Row>();
  readonly #onVote: (candidateId: string) => void;
  #order: string[] = [];

  constructor(onVote: (candidateId: string) => void) {
    this.#onVote = onVote;
    this.#list = h('div', { class: 'ballot-list', role: 'group', 'aria-label': 'Vote for a candidate' });
    this.element = h(
      'section',
      { class: 'card ballot', 'aria-labelledby': 'ballot-title' },
      h('h2', { id: 'ballot-title' }, 'Vote'),
      h('p', { class: 'hint' }, 'Click a candidate, or press its number key.'),
      this.#list,
    );
    document.addEventListener('keydown', (event) => this.#onKey(event));
  }

  render(candidates: readonly Candidate[]): void {
    const ids = candidates.map((c) => c.id);
    if (ids.join('\u0000') !== this.#order.join('\u0000')) this.#rebuild(candidates);
    const total = candidates.reduce((sum, c) => sum + c.count, 0);
    const max = Math.max(1, ...candidates.map((c) => c.count));
    for (const candidate of candidates) {
      const row = this.#rows.get(candidate.id);
      if (row === undefined) continue;
      row.bar.style.setProperty('--share', String(candidate.count / max));
      setText(row.count, formatCount(candidate.count));
      const percent = total === 0 ? 0 : Math.round((candidate.count / total) * 100);
      setText(row.share, ` ${candidate.count === 1 ? 'vote' : 'votes'}, ${percent}%`);
      if (candidate.count !== row.shown) {
        row.shown = candidate.count;
        row.button.classList.remove('bump');
        // Restart the animation: reading layout in between makes the browser see two changes.
        row.button.getBoundingClientRect();
        row.button.classList.add('bump');
      }
    }
  }

  #rebuild(candidates: readonly Candidate[]): void {
    this.#list.replaceChildren();
    this.#rows.clear();
    this.#order = candidates.map((c) => c.id);
    candidates.forEach((candidate, index) => {
      const bar = h('span', { class: 'bar', 'aria-hidden': 'true' });
      const count = h('span', { class: 'count', 'data-testid': `count-${candidate.id}` }, formatCount(candidate.count));
      const share = h('span', { class: 'visually-hidden' });
      const button = h(
        'button',
        { type: 'button', class: 'candidate', 'data-testid': `vote-${candidate.id}`, 'data-candidate': candidate.id },
        h('kbd', { 'aria-hidden': 'true' }, index < 9 ? String(index + 1) : ''),
        h('span', { class: 'name' }, candidate.name),
        h('span', { class: 'track', 'aria-hidden': 'true' }, bar),
        count,
        share,
      );
      button.addEventListener('click', () => this.#onVote(candidate.id));
      this.#list.append(button);
      this.#rows.set(candidate.id, { button, bar, count, share, shown: candidate.count });
    });
  }

  #onKey(event: KeyboardEvent): void {
    if (event.altKey || event.ctrlKey || event.metaKey || this.element.offsetParent === null) return;
    const target = event.target as HTMLElement | null;
    if (target !== null && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.isContentEditable)) return;
    const index = Number(event.key) - 1;
    const id = Number.isInteger(index) && index >= 0 ? this.#order[index] : undefined;
    if (id === undefined) return;
    event.preventDefault();
    this.#rows.get(id)?.button.focus();
    this.#onVote(id);
  }
}
