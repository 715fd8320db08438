import { isTransportName } from '../../src/client/registry.ts';
import type { VoteSender } from '../../src/client/types.ts';
import { CapturePoller } from './capture-poller.ts';
import { h } from './dom.ts';
import { browserEnvironment, newPageId, now } from './environment.ts';
import { LiveFeed } from './live-feed.ts';
import { MetricsPoller } from './metrics-poller.ts';
import { RaceController } from './race-controller.ts';
import { CountAnnouncer } from './models/count-announcer.ts';
import { SessionKeeper } from './session-keeper.ts';
import { Voter } from './voter.ts';
import { AnatomyView } from './views/anatomy.ts';
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
    h(
      'main',
      {},
      joinView(SessionKeeper.suggestedName(), async (name) => {
        await sessions.join(name);
        runApp(root, sessions);
      }),
    ),
  );
}

/** Joined: builds the page and keeps it drawn. */
function runApp(root: HTMLElement, sessions: SessionKeeper): void {
  const settings = initialSettings();
  const models = createModels(sessions, settings);
  const notice = createNotice();
  const voter = new Voter(models.pageId, sessions, [models.live.latency], {
    onAccepted: (result) => models.live.recordVotePost(result.bytesOut, result.bytesIn, result.receivedAt),
    onNotice: notice.show,
    sendInstead: (candidateId, voteId) => voteOverSocket(models, views, candidateId, voteId),
  });
  const views = buildViews(models, settings, voter, sessions);
  layOut(root, models, views, notice.element);
  models.metrics.start();
  startRenderLoop(models, views, sessions);
  // For the browser tests and the curious: read-only handles, nothing the UI depends on.
  Object.assign(window, { votewire: { live: models.live, race: models.race, sessions } });
}

/** What the page knows, apart from what it shows: the feeds it follows and the server's counters. */
interface Models {
  readonly pageId: string;
  /** The live view's feed on the selected transport. */
  readonly live: LiveFeed;
  /** The race's four feeds, open only while the race tab is. */
  readonly race: RaceController;
  readonly metrics: MetricsPoller;
  /** The server's capture of this session's wire, read only while the Anatomy tab is open. */
  readonly capture: CapturePoller;
  /** When the current transport was selected: the wire panel's rates count from here. */
  selectedAt: number;
}

function createModels(sessions: SessionKeeper, settings: SwitcherSettings): Models {
  const pageId = newPageId();
  const env = browserEnvironment({ renewSession: () => sessions.renew() });
  const pollingOptions = { intervalMs: settings.intervalMs, conditional: settings.conditional };
  const live = new LiveFeed(env, settings.transport, { ...pollingOptions, clientId: pageId });
  return {
    pageId,
    live,
    race: new RaceController(env, live.latency.clock, pageId, pollingOptions),
    metrics: new MetricsPoller(settings.transport, () => live.connection.status === 'reconnecting'),
    capture: new CapturePoller(() => live.reconnect()),
    selectedAt: now(),
  };
}

interface Notice {
  readonly element: HTMLElement;
  /** Shows `text` for a few seconds (longer for an error), replacing what was there. */
  readonly show: (text: string, kind: 'info' | 'error') => void;
}

function createNotice(): Notice {
  const element = h('p', { class: 'notice', role: 'status', 'data-testid': 'notice', hidden: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const show = (text: string, kind: 'info' | 'error'): void => {
    element.textContent = text;
    element.className = `notice ${kind}`;
    element.hidden = false;
    clearTimeout(timer);
    timer = setTimeout(() => (element.hidden = true), kind === 'error' ? 6000 : 2500);
  };
  return { element, show };
}

interface Views {
  readonly ballot: BallotView;
  readonly integrity: IntegrityView;
  readonly connection: ConnectionView;
  readonly wire: WirePanelView;
  readonly log: ExchangeLogView;
  readonly switcher: SwitcherView;
  readonly race: RaceView;
  readonly anatomy: AnatomyView;
  /** The user's name in the header. */
  readonly who: HTMLElement;
  /** A polite live region: a summary of the counts every few seconds at most, for screen readers. */
  readonly announcement: HTMLElement;
}

/** Every view, with its controls wired to the models: vote buttons, the transport switcher, the burst button. */
function buildViews(models: Models, settings: SwitcherSettings, voter: Voter, sessions: SessionKeeper): Views {
  const switcher = new SwitcherView(settings, (next, what) => {
    if (what === 'transport') {
      models.live.switchTo(next.transport);
      models.metrics.select(next.transport);
      models.selectedAt = now();
    } else {
      const options = { intervalMs: next.intervalMs, conditional: next.conditional };
      models.live.setOptions(options);
      models.race.setPollingOptions(options);
    }
  });
  let bursting = false;
  const race: RaceView = new RaceView(models.race, () => {
    if (bursting) return;
    bursting = true;
    void sendBurst(models.live, voter, (text, busy) => race.setBurst(text, busy)).finally(() => (bursting = false));
  });
  return {
    ballot: new BallotView((candidateId) => void voter.vote(candidateId)),
    integrity: new IntegrityView(),
    connection: new ConnectionView(),
    wire: new WirePanelView(),
    log: new ExchangeLogView(),
    switcher,
    race,
    anatomy: new AnatomyView(),
    who: h('span', { class: 'who', 'data-testid': 'who' }, sessions.session?.name ?? ''),
    announcement: h('p', { class: 'visually-hidden', 'aria-live': 'polite', 'data-testid': 'announcement' }),
  };
}

/** The race's burst button: BURST_SIZE votes over the candidates, spaced to stay inside the vote limit. */
async function sendBurst(live: LiveFeed, voter: Voter, report: (text: string, busy: boolean) => void): Promise<void> {
  const candidates = live.subscription.tracker.candidates;
  let accepted = 0;
  const pending: Promise<boolean>[] = [];
  for (let i = 0; i < BURST_SIZE && candidates.length > 0; i += 1) {
    const candidate = candidates[i % candidates.length];
    if (candidate === undefined) break;
    report(`sending ${i + 1}/${BURST_SIZE}…`, true);
    pending.push(voter.vote(candidate.id).then((ok) => (ok && (accepted += 1), ok)));
    await new Promise((resolve) => setTimeout(resolve, BURST_SPACING_MS));
  }
  await Promise.all(pending);
  const limited = voter.rateLimited > 0 ? ` (${voter.rateLimited} rate-limited answers waited out so far)` : '';
  report(`${accepted}/${BURST_SIZE} votes accepted${limited}`, false);
}

/**
 * With the Anatomy tab open and its switch on, a vote goes over the live WebSocket as a client frame, so
 * the capture holds one; everywhere else votes go over POST /api/votes (see docs/demo.md).
 */
function voteOverSocket(models: Models, views: Views, candidateId: string, voteId: string): boolean {
  if (!models.capture.running || !views.anatomy.voteOverSocket.checked || models.live.transport !== 'websocket') return false;
  const client = models.live.subscription.client;
  return client !== undefined && 'sendVote' in client && (client as VoteSender).sendVote(candidateId, voteId);
}

type TabName = 'live' | 'race' | 'anatomy';

/**
 * The page: the header (the level-one heading, on every view), then in `main` the connection banner, the
 * Live, Race and Anatomy tabs, the notice line, the live region and the panels: everything inside a landmark.
 */
function layOut(root: HTMLElement, models: Models, views: Views, notice: HTMLElement): void {
  // The ballot and the transport switcher: on the Live tab, and moved beside the Anatomy view while that is open.
  const controls = h('div', { class: 'column' }, views.ballot.element, views.switcher.element);
  const liveSection = h(
    'div',
    { class: 'live-grid', id: 'panel-live', role: 'tabpanel', 'aria-labelledby': 'tab-live' },
    controls,
    h('div', { class: 'column' }, views.wire.element, views.log.element),
  );
  const raceSection = h('div', { id: 'panel-race', role: 'tabpanel', 'aria-labelledby': 'tab-race', hidden: true }, views.race.element);
  const anatomySection = h('div', { class: 'live-grid anatomy-grid', id: 'panel-anatomy', role: 'tabpanel', 'aria-labelledby': 'tab-anatomy', hidden: true });
  const sections: Record<TabName, HTMLElement> = { live: liveSection, race: raceSection, anatomy: anatomySection };
  const onShow = (which: TabName) => {
    if (which === 'race') models.race.start();
    else models.race.stop();
    if (which === 'anatomy') {
      anatomySection.replaceChildren(controls, h('div', { class: 'column' }, views.anatomy.element));
      models.capture.start();
    } else {
      models.capture.stop();
      if (which === 'live') liveSection.prepend(controls);
    }
  };
  root.replaceChildren(
    h(
      'header',
      { class: 'topbar' },
      h('h1', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, '⚡'), h('span', {}, 'Votewire')),
      views.connection.pill,
      views.integrity.element,
      views.who,
    ),
    h('main', {}, views.connection.banner, tabs(sections, onShow), notice, views.announcement, liveSection, raceSection, anatomySection),
  );
}

/** The Live / Race / Anatomy tab bar; the race's feeds and the wire capture run only while their tab is shown. */
function tabs(sections: Record<TabName, HTMLElement>, onShow: (which: TabName) => void): HTMLElement {
  const labels: Record<TabName, string> = { live: 'Live', race: 'Race', anatomy: 'Anatomy' };
  const names = Object.keys(labels) as TabName[];
  const buttons = names.map((name) =>
    h(
      'button',
      {
        type: 'button',
        role: 'tab',
        id: `tab-${name}`,
        'aria-selected': String(name === 'live'),
        'aria-controls': `panel-${name}`,
        'data-testid': `tab-${name}`,
      },
      labels[name],
    ),
  );
  const showTab = (which: TabName) => {
    names.forEach((name, i) => {
      buttons[i]!.setAttribute('aria-selected', String(name === which));
      sections[name].hidden = name !== which;
    });
    onShow(which);
  };
  names.forEach((name, i) => buttons[i]!.addEventListener('click', () => showTab(name)));
  const tablist = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Views' }, ...buttons);
  tablist.addEventListener('keydown', (event) => moveBetweenTabs(tablist, event));
  return tablist;
}

/** The keys of a tab list (WAI-ARIA's tabs pattern): ←/→ to the previous/next tab, Home/End to the first/last, each selected as it is reached. */
function moveBetweenTabs(tablist: HTMLElement, event: KeyboardEvent): void {
  const all = [...tablist.querySelectorAll<HTMLElement>('[role="tab"]')];
  const at = all.indexOf(event.target as HTMLElement);
  if (at < 0) return;
  const to = { ArrowLeft: at - 1, ArrowRight: at + 1, Home: 0, End: all.length - 1 }[event.key];
  if (to === undefined) return;
  event.preventDefault();
  const next = all[(to + all.length) % all.length];
  next?.focus();
  next?.click();
}

/** Draws once per animation frame: what changed in the feed, and what moves with time. */
function startRenderLoop(models: Models, views: Views, sessions: SessionKeeper): void {
  const { live, race, metrics, capture } = models;
  const announcer = new CountAnnouncer();
  let drawnVersion = -1;
  let anatomyDrawn = '';
  let raceVersion = -1;
  const frame = () => {
    const t = now();
    if (live.version !== drawnVersion) {
      drawnVersion = live.version;
      const tracker = live.subscription.tracker;
      views.ballot.render(tracker.candidates);
      views.integrity.render(tracker.counters, tracker.seq);
      views.log.render(live.log);
    }
    const announcement = announcer.next(live.subscription.tracker.candidates, t);
    if (announcement !== undefined) views.announcement.textContent = announcement;
    views.connection.render(live.connection, t, live.subscription.tracker.seq);
    views.wire.render({
      transport: live.transport,
      page: live.totals,
      server: metrics.delta(),
      serverNeedsToken: metrics.needsToken,
      own: live.own,
      others: live.others,
      seconds: (t - models.selectedAt) / 1000,
    });
    // The race redraws every frame while it runs: its runners move with time, not only with events.
    if (race.running || race.version !== raceVersion) {
      raceVersion = race.version;
      views.race.render(t);
    }
    // The Anatomy view redraws when the capture or the transport changed, not every frame.
    const anatomyState = `${capture.version}|${live.transport}`;
    if (capture.running && anatomyState !== anatomyDrawn) {
      anatomyDrawn = anatomyState;
      views.anatomy.render({ transport: live.transport, reply: capture.reply, problem: capture.problem });
    }
    views.who.textContent = sessions.session?.name ?? '';
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

const root = document.getElementById('app');
if (root !== null) start(root);
