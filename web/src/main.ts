import { isTransportName } from '../../src/client/registry.ts';
import { h } from './dom.ts';
import { browserEnvironment, newPageId, now } from './environment.ts';
import { LiveFeed } from './live-feed.ts';
import { MetricsPoller } from './metrics-poller.ts';
import { RaceController } from './race-controller.ts';
import { SessionKeeper } from './session-keeper.ts';
import { Voter } from './voter.ts';
import { BallotView } from './views/ballot.ts';
import { ConnectionView } from './views/connection.ts';
import { ExchangeLogView } from './views/exchange-log.ts';
import { IntegrityView } from './views/integrity.ts';
import { joinView } from './views/join.ts';
import { RaceView } from './views/race.ts';
import { SwitcherView, type SwitcherSettings } from './views/switcher.ts';
import { WirePanelView } from './views/wire-panel.ts';

const BURST_SIZE = 20;
/** 20 votes 60 ms apart take 1.2 s: inside the default limit of 20 votes per user per second. */
const BURST_SPACING_MS = 60;

/** `?transport=sse&interval=500` preselects, so a link can show a particular setup. */
function initialSettings(): SwitcherSettings {
  const params = new URLSearchParams(window.location.search);
  const transport = params.get('transport');
  const interval = Number(params.get('interval'));
  return {
    transport: isTransportName(transport) ? transport : 'websocket',
    intervalMs: Number.isFinite(interval) && interval >= 100 && interval <= 5000 ? interval : 1000,
    conditional: params.get('conditional') !== 'off',
  };
}

function start(root: HTMLElement): void {
  const sessions = new SessionKeeper();
  root.replaceChildren(
    joinView(SessionKeeper.suggestedName(), async (name) => {
      await sessions.join(name);
      runApp(root, sessions);
    }),
  );
}

function runApp(root: HTMLElement, sessions: SessionKeeper): void {
  const pageId = newPageId();
  const settings = initialSettings();
  const env = browserEnvironment({ renewSession: () => sessions.renew() });
  const pollingOptions = { intervalMs: settings.intervalMs, conditional: settings.conditional };
  const live = new LiveFeed(env, settings.transport, { ...pollingOptions, clientId: pageId });
  const race = new RaceController(env, live.latency.clock, pageId, pollingOptions);
  const metrics = new MetricsPoller(settings.transport, () => live.connection.status === 'reconnecting');
  let selectedAt = now();

  const notice = h('p', { class: 'notice', role: 'status', 'data-testid': 'notice', hidden: true });
  let noticeTimer: ReturnType<typeof setTimeout> | undefined;
  const showNotice = (text: string, kind: 'info' | 'error') => {
    notice.textContent = text;
    notice.className = `notice ${kind}`;
    notice.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => (notice.hidden = true), kind === 'error' ? 6000 : 2500);
  };

  const voter = new Voter(pageId, sessions, [live.latency], {
    onAccepted: (result) => live.recordVotePost(result.bytesOut, result.bytesIn, result.receivedAt),
    onNotice: showNotice,
  });

  const ballot = new BallotView((candidateId) => void voter.vote(candidateId));
  const integrity = new IntegrityView();
  const connection = new ConnectionView();
  const wire = new WirePanelView();
  const log = new ExchangeLogView();
  const switcher = new SwitcherView(settings, (next, what) => {
    if (what === 'transport') {
      live.switchTo(next.transport);
      metrics.select(next.transport);
      selectedAt = now();
    } else {
      const options = { intervalMs: next.intervalMs, conditional: next.conditional };
      live.setOptions(options);
      race.setPollingOptions(options);
    }
  });

  let bursting = false;
  const raceView = new RaceView(race, () => {
    if (bursting) return;
    bursting = true;
    void burst();
  });
  async function burst(): Promise<void> {
    const candidates = live.subscription.tracker.candidates;
    let accepted = 0;
    const pending: Promise<boolean>[] = [];
    for (let i = 0; i < BURST_SIZE && candidates.length > 0; i += 1) {
      const candidate = candidates[i % candidates.length];
      if (candidate === undefined) break;
      raceView.setBurst(`sending ${i + 1}/${BURST_SIZE}…`, true);
      pending.push(voter.vote(candidate.id).then((ok) => (ok && (accepted += 1), ok)));
      await new Promise((resolve) => setTimeout(resolve, BURST_SPACING_MS));
    }
    await Promise.all(pending);
    const limited = voter.rateLimited > 0 ? ` (${voter.rateLimited} rate-limited answers waited out so far)` : '';
    raceView.setBurst(`${accepted}/${BURST_SIZE} votes accepted${limited}`, false);
    bursting = false;
  }

  const liveSection = h('div', { class: 'live-grid', id: 'panel-live', role: 'tabpanel', 'aria-labelledby': 'tab-live' },
    h('div', { class: 'column' }, ballot.element, switcher.element),
    h('div', { class: 'column' }, wire.element, log.element),
  );
  const raceSection = h('div', { id: 'panel-race', role: 'tabpanel', 'aria-labelledby': 'tab-race', hidden: true }, raceView.element);

  const liveTab = h('button', { type: 'button', role: 'tab', id: 'tab-live', 'aria-selected': 'true', 'aria-controls': 'panel-live', 'data-testid': 'tab-live' }, 'Live');
  const raceTab = h('button', { type: 'button', role: 'tab', id: 'tab-race', 'aria-selected': 'false', 'aria-controls': 'panel-race', 'data-testid': 'tab-race' }, 'Race');
  const showTab = (which: 'live' | 'race') => {
    liveTab.setAttribute('aria-selected', String(which === 'live'));
    raceTab.setAttribute('aria-selected', String(which === 'race'));
    liveSection.hidden = which !== 'live';
    raceSection.hidden = which !== 'race';
    if (which === 'race') race.start();
    else race.stop();
  };
  liveTab.addEventListener('click', () => showTab('live'));
  raceTab.addEventListener('click', () => showTab('race'));

  const who = h('span', { class: 'who', 'data-testid': 'who' }, sessions.session?.name ?? '');
  root.replaceChildren(
    h('header', { class: 'topbar' },
      h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, '⚡'), h('span', {}, 'Votewire')),
      connection.pill,
      integrity.element,
      who,
    ),
    connection.banner,
    h('nav', { class: 'tabs', role: 'tablist', 'aria-label': 'Views' }, liveTab, raceTab),
    notice,
    liveSection,
    raceSection,
  );

  metrics.start();
  let drawnVersion = -1;
  let raceVersion = -1;
  const frame = () => {
    const t = now();
    if (live.version !== drawnVersion) {
      drawnVersion = live.version;
      const tracker = live.subscription.tracker;
      ballot.render(tracker.candidates);
      integrity.render(tracker.counters, tracker.seq);
      log.render(live.log);
    }
    connection.render(live.connection, t, live.subscription.tracker.seq);
    wire.render({ transport: live.transport, page: live.totals, server: metrics.delta(), serverNeedsToken: metrics.needsToken, own: live.own, others: live.others, seconds: (t - selectedAt) / 1000 });
    // The race redraws every frame while it runs: its runners move with time, not only with events.
    if (race.running || race.version !== raceVersion) {
      raceVersion = race.version;
      raceView.render(t);
    }
    who.textContent = sessions.session?.name ?? '';
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  // For the browser tests and the curious: read-only handles, nothing the UI depends on.
  Object.assign(window, { votewire: { live, race, sessions } });
}

const root = document.getElementById('app');
if (root !== null) start(root);

