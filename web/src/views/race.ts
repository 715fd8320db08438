import { TRANSPORT_LABELS } from '../../../src/client/registry.ts';
import type { TransportName } from '../../../src/client/types.ts';
import { h, setText } from '../dom.ts';
import { formatMs } from '../format.ts';
import type { RaceVote } from '../models/race.ts';
import type { RaceController } from '../race-controller.ts';

/** The delay axis: log scale from 0 to 10 s, so 2 ms and 800 ms both have room. */
const AXIS_MAX_MS = 10_000;
const TICKS: [number, string][] = [
  [0, '0'],
  [1, '1 ms'],
  [10, '10 ms'],
  [100, '100 ms'],
  [1000, '1 s'],
  [10_000, '10 s'],
];
/** A vote still not delivered after this long is drawn as stuck, not running. */
const STUCK_AFTER_MS = 30_000;
const DOTS_PER_LANE = 40;
/** Read on every frame, so a change of the system setting applies at once. */
const REDUCED_MOTION = window.matchMedia('(prefers-reduced-motion: reduce)');
const SUBTITLE: Record<TransportName, string> = {
  polling: 'asks every interval',
  'long-polling': 'server holds the request',
  websocket: 'pushed frames',
  sse: 'pushed event stream',
};

/** Places a tick, gridline, marker or runner on the axis. Through the CSSOM: a `style` attribute would break the page's CSP. */
function placeAt(element: HTMLElement, ms: number): HTMLElement {
  element.style.left = `${(axisPosition(ms) * 100).toFixed(2)}%`;
  return element;
}

export function axisPosition(ms: number): number {
  const clamped = Math.min(AXIS_MAX_MS, Math.max(0, ms));
  return Math.log10(1 + clamped) / Math.log10(1 + AXIS_MAX_MS);
}

interface LaneParts {
  root: HTMLElement;
  track: HTMLElement;
  p50Marker: HTMLElement;
  p95Marker: HTMLElement;
  dots: Map<number, HTMLElement>;
  p50: HTMLElement;
  p95: HTMLElement;
  received: HTMLElement;
  batch: HTMLElement;
  onTheWay: HTMLElement;
  place: HTMLElement;
  integrity: HTMLElement;
}

/**
 * Four lanes, one per transport. Every vote starts a runner in each lane at its votedAt; the runner
 * moves right as time passes and stops where that lane delivered the vote. Push lanes finish at once,
 * polling's runners run until the next poll, so staleness and batching are seen, not read.
 *
 * The runners are a picture: each lane's statistics say the same in text (p50, p95, votes received,
 * last batch, votes on their way), and the track is hidden from screen readers. With
 * `prefers-reduced-motion: reduce` nothing moves: a vote is drawn once, where it landed, and the votes
 * still on their way are only counted.
 */
export class RaceView {
  readonly element: HTMLElement;
  readonly #lanes = new Map<TransportName, LaneParts>();
  readonly #controller: RaceController;
  readonly #burstButton: HTMLButtonElement;
  readonly #burstStatus: HTMLElement;
  readonly #verdict: HTMLElement;

  constructor(controller: RaceController, onBurst: () => void) {
    this.#controller = controller;
    this.#burstButton = h('button', { type: 'button', class: 'burst', 'data-testid': 'burst' }, 'Burst: 20 votes');
    this.#burstButton.addEventListener('click', onBurst);
    this.#burstStatus = h('span', { class: 'hint', 'data-testid': 'burst-status' });
    this.#verdict = h('p', { class: 'verdict', 'data-testid': 'race-verdict' }, 'Cast a vote (here or in another tab) and watch it arrive four times.');

    const axis = h('div', { class: 'race-axis', 'aria-hidden': 'true' });
    for (const [ms, label] of TICKS) {
      axis.append(placeAt(h('span', { class: 'tick' }, label), ms));
    }
    const lanes = h('div', { class: 'race-lanes' });
    for (const lane of controller.lanes) {
      const parts = this.#buildLane(lane);
      this.#lanes.set(lane, parts);
      lanes.append(parts.root);
    }
    this.element = h(
      'section',
      { class: 'card race', 'aria-labelledby': 'race-title', 'data-testid': 'race' },
      h(
        'div',
        { class: 'race-head' },
        h(
          'div',
          {},
          h('h2', { id: 'race-title' }, 'The race'),
          h(
            'p',
            { class: 'hint' },
            'The same votes, delivered over four transports at once. Each dot is a vote; it runs from the moment the server accepted it until the lane delivers it.',
          ),
        ),
        h('div', { class: 'burst-box' }, this.#burstButton, this.#burstStatus),
      ),
      this.#verdict,
      h('div', { class: 'race-grid' }, h('div', { class: 'race-axis-row' }, h('span', { class: 'axis-caption' }, 'delay after the vote →'), axis), lanes),
    );
  }

  setBurst(text: string, busy: boolean): void {
    setText(this.#burstStatus, text);
    this.#burstButton.disabled = busy;
  }

  #buildLane(lane: TransportName): LaneParts {
    const track = h('div', { class: 'lane-track', 'aria-hidden': 'true' });
    for (const [ms] of TICKS.slice(1)) track.append(placeAt(h('span', { class: 'gridline' }), ms));
    const stat = (label: string, testid: string) => {
      const value = h('strong', { 'data-testid': testid }, '–');
      return [value, h('span', { class: 'stat' }, h('span', { class: 'stat-label' }, label), value)] as const;
    };
    const [p50, p50Box] = stat('p50', `lane-${lane}-p50`);
    const [p95, p95Box] = stat('p95', `lane-${lane}-p95`);
    const [received, receivedBox] = stat('votes', `lane-${lane}-received`);
    const [batch, batchBox] = stat('last batch', `lane-${lane}-batch`);
    const [onTheWay, onTheWayBox] = stat('on the way', `lane-${lane}-on-the-way`);
    const p50Marker = h('span', { class: 'p-marker p50', 'data-label': 'p50', hidden: true });
    const p95Marker = h('span', { class: 'p-marker p95', 'data-label': 'p95', hidden: true });
    track.append(p50Marker, p95Marker);
    const place = h('span', { class: 'place' });
    const integrity = h('span', { class: 'lane-integrity', 'data-testid': `lane-${lane}-integrity` }, '');
    const root = h(
      'div',
      { class: `lane lane-${lane}`, 'data-testid': `lane-${lane}`, role: 'group', 'aria-labelledby': `lane-${lane}-name` },
      h(
        'div',
        { class: 'lane-label' },
        place,
        h('span', { class: 'lane-name', id: `lane-${lane}-name` }, TRANSPORT_LABELS[lane]),
        h('small', {}, SUBTITLE[lane]),
        integrity,
      ),
      track,
      h('div', { class: 'lane-stats' }, p50Box, p95Box, receivedBox, batchBox, onTheWayBox),
    );
    return { root, track, p50Marker, p95Marker, dots: new Map(), p50, p95, received, batch, onTheWay, place, integrity };
  }

  render(now: number): void {
    const { model } = this.#controller;
    // Every lane has its starting snapshot: from here on, each vote is timed in every lane.
    this.element.dataset.ready = String(this.#controller.running && model.ready);
    const still = REDUCED_MOTION.matches;
    this.element.dataset.motion = still ? 'reduced' : 'full';
    const votes = model
      .recentVotes()
      .filter((v) => v.votedAt !== undefined)
      .slice(-DOTS_PER_LANE);
    const ranking = this.#controller.lanes
      .map((lane) => ({ lane, p50: model.summary(lane).p50 }))
      .filter((r): r is { lane: TransportName; p50: number } => r.p50 !== undefined)
      .sort((a, b) => a.p50 - b.p50);
    for (const lane of this.#controller.lanes) {
      const parts = this.#lanes.get(lane);
      if (parts === undefined) continue;
      const summary = model.summary(lane);
      setText(parts.p50, formatMs(summary.p50));
      setText(parts.p95, formatMs(summary.p95));
      setText(parts.received, String(summary.received));
      setText(parts.batch, summary.lastBatch === 0 ? '–' : `${summary.lastBatch} vote${summary.lastBatch === 1 ? '' : 's'}`);
      parts.root.dataset.received = String(summary.received);
      parts.root.dataset.largestBatch = String(summary.largestBatch);
      for (const [marker, value] of [
        [parts.p50Marker, summary.p50],
        [parts.p95Marker, summary.p95],
      ] as const) {
        marker.hidden = value === undefined;
        if (value !== undefined) placeAt(marker, value);
      }
      parts.root.dataset.status = this.#controller.statuses.get(lane) ?? 'stopped';
      const rank = ranking.findIndex((r) => r.lane === lane);
      setText(parts.place, rank < 0 ? '' : (['1st', '2nd', '3rd', '4th'][rank] ?? ''));
      parts.place.dataset.rank = String(rank + 1);
      const counters = this.#controller.subscriptions.get(lane)?.tracker.counters;
      if (counters !== undefined) {
        const clean = counters.gaps === 0 && counters.duplicates === 0;
        setText(parts.integrity, `${counters.gaps} gaps · ${counters.duplicates} dup · ${counters.resyncs} resync`);
        parts.integrity.classList.toggle('bad', !clean);
      }
      this.#renderDots(lane, parts, votes, now, still);
    }
    this.#renderVerdict(ranking);
  }

  #renderDots(lane: TransportName, parts: LaneParts, votes: RaceVote[], now: number, still: boolean): void {
    const keep = new Set<number>();
    const newest = votes.at(-1)?.seq ?? 0;
    let onTheWay = 0;
    for (const vote of votes) {
      const delay = this.#controller.model.delay(vote, lane);
      const running = delay === undefined;
      if (running) onTheWay += 1;
      // Reduced motion: a vote is drawn once it has landed, never while it moves.
      if (running && still) continue;
      keep.add(vote.seq);
      let dot = parts.dots.get(vote.seq);
      if (dot === undefined) {
        dot = h('span', { class: 'runner', title: `vote #${vote.seq}` });
        // Spread dots over five rows so a burst does not stack them on one pixel.
        dot.style.top = `${14 + (vote.seq % 5) * 18}%`;
        parts.dots.set(vote.seq, dot);
        parts.track.append(dot);
      }
      const elapsed = running ? now - (vote.votedAt ?? now) : delay;
      placeAt(dot, elapsed);
      dot.classList.toggle('running', running && elapsed < STUCK_AFTER_MS);
      dot.classList.toggle('stuck', running && elapsed >= STUCK_AFTER_MS);
      dot.classList.toggle('landed', !running);
      dot.classList.toggle('newest', vote.seq === newest);
      dot.style.opacity = String(Math.max(0.25, 1 - (newest - vote.seq) / DOTS_PER_LANE));
      dot.title = running ? `vote #${vote.seq}: on its way (${formatMs(elapsed)})` : `vote #${vote.seq}: ${formatMs(delay)}`;
    }
    setText(parts.onTheWay, String(onTheWay));
    for (const [seq, dot] of parts.dots) {
      if (!keep.has(seq)) {
        dot.remove();
        parts.dots.delete(seq);
      }
    }
  }

  #renderVerdict(ranking: { lane: TransportName; p50: number }[]): void {
    const first = ranking[0];
    const last = ranking.at(-1);
    if (first === undefined || last === undefined || ranking.length < 2) return;
    const factor = first.p50 > 0 ? last.p50 / first.p50 : Number.POSITIVE_INFINITY;
    const times = Number.isFinite(factor) && factor >= 2 ? ` — about ${Math.round(factor)}× faster at the median` : '';
    setText(
      this.#verdict,
      `${TRANSPORT_LABELS[first.lane]} leads (p50 ${formatMs(first.p50)}); ${TRANSPORT_LABELS[last.lane]} trails (p50 ${formatMs(last.p50)})${times}.`,
    );
  }
}
