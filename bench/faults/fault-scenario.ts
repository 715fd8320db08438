import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { percentile } from '../../src/client/statistics.ts';
import { mapLimited } from '../load/concurrency.ts';
import { openSession } from '../load/session.ts';
import { OpenLoopVoter, type CastVote } from '../load/voter.ts';
import { NETWORK_PROFILES } from '../network/profiles.ts';
import { Relay } from '../network/relay.ts';
import { VARIANTS } from '../plan/variants.ts';
import { freePort } from '../process/free-port.ts';
import { SERVER_ENV } from '../process/fresh-servers.ts';
import { ServerProcess } from '../process/server-process.ts';
import type { FaultKind, FaultRun, FaultTiming, FaultTransportResult, VariantName, VoteCountCheck } from '../results/types.ts';
import { FaultSubscriber } from './fault-subscriber.ts';
import { StormRecorder } from './storm-recorder.ts';

export interface FaultScenarioInput {
  kind: FaultKind;
  label: string;
  feed: 'memory' | 'redis';
  /** FEED, REDIS_KEY_PREFIX for the Redis feed; SESSION_SECRET is always shared by every process (and a restarted one). */
  feedEnv: Record<string, string>;
  variants: readonly VariantName[];
  clientsPerTransport: number;
  rate: number;
  beforeMs: number;
  afterMs: number;
  /** Jitter in the client layer's reconnect backoff; off = a constant in place of its random draw. */
  jitter: boolean;
  sessionSecret: string;
  longPollTimeoutMs: number;
  cwd: string;
  serverCommandPrefix: readonly string[];
  relayCommandPrefix: readonly string[];
  onPhase?: (phase: string) => void;
}

/** Subscribers connect in waves, as in the normal scenarios: a burst of SYNs would overflow the listen backlog. */
const CONNECT_WAVE = 50;
const CONNECT_TIMEOUT_MS = 60_000;
/** A vote is retried this often after a network error or a 503: enough to ride out a restart (the backoff tops out at 2 s). */
const VOTE_RETRIES = 12;
/** The longest the subscribers get to hear the last vote once the voter is done. */
const DRAIN_MS = 5000;

/**
 * One fault scenario: server process(es), subscribers of every asked transport on them at once (through
 * the relay for everything but the restart), votes at `rate` from `beforeMs` before the fault until
 * `afterMs` after it, each with a voteId and retried with it; then every subscriber's ledger is checked
 * against the acknowledged votes, and the server's final counts against the distinct acknowledged voteIds.
 */
export async function runFaultScenario(input: FaultScenarioInput): Promise<FaultRun> {
  const phase = input.onPhase ?? (() => undefined);
  const processes = input.kind === 'process-dies' ? 2 : 1;
  const errors: string[] = [];
  const servers: ServerProcess[] = [];
  let relay: Relay | undefined;
  let voter: OpenLoopVoter | undefined;
  const subscribers: FaultSubscriber[] = [];
  const storm = input.kind === 'storm' ? new StormRecorder() : undefined;
  try {
    phase('starting servers');
    const ports: number[] = [];
    for (let i = 0; i < processes; i++) ports.push(await freePort());
    // The relay first (it connects to its targets only when a client connects), so the servers can be
    // told its address as an allowed page origin: behind a balancer, the pages come from its address.
    if (input.kind !== 'restart') {
      relay = await Relay.start({
        targets: ports.map((port) => `127.0.0.1:${port}`),
        profile: NETWORK_PROFILES.loopback,
        commandPrefix: input.relayCommandPrefix,
      });
    }
    const originEnv: Record<string, string> = relay === undefined ? {} : { ALLOWED_ORIGINS: relay.url };
    for (const port of ports) servers.push(await startServer(input, port, originEnv));
    const direct = servers[0]!.url;
    const entry = relay?.url ?? direct;
    const candidateIds = await ballotCandidates(direct);
    const voteCount = Math.max(1, Math.round(((input.beforeMs + input.afterMs) * input.rate) / 1000));
    // A restarted memory feed starts its seqs over. Votes cast first (as many as the run will cast)
    // keep every cursor the subscribers hold above any seq the new process reaches during the run, so
    // each subscriber's resume is one the server sees as "from before my start" and answers with a
    // snapshot, as it would for a server that had run a while; and an acknowledged seq names its epoch.
    const preloaded = input.kind === 'restart' && input.feed === 'memory' ? voteCount : 0;
    if (preloaded > 0) {
      phase('preloading');
      const preload = new OpenLoopVoter({
        baseUrl: direct,
        cookie: await openSession(direct, 'bench-preload'),
        rate: 2000,
        count: preloaded,
        candidateIds,
        idPrefix: `${input.kind}-preload`,
      });
      await preload.run();
      await preload.close();
      if (preload.stats().acknowledged !== preloaded) throw new Error(`only ${preload.stats().acknowledged} of ${preloaded} preloaded votes were acknowledged`);
    }

    phase('connecting');
    const cookies = await mapLimited(input.variants.length * input.clientsPerTransport, 32, (i) => openSession(direct, `bench-fault-${i}`));
    for (const [i, cookie] of cookies.entries()) {
      const spec = VARIANTS[input.variants[i % input.variants.length]!];
      subscribers.push(
        new FaultSubscriber({
          spec,
          baseUrl: entry,
          cookie,
          longPollTimeoutMs: input.longPollTimeoutMs,
          ...(input.jitter ? {} : { backoff: { random: () => 0.5 } }),
          ...(storm === undefined ? {} : { onAttemptScheduled: (at: number, attempt: number) => storm.attemptAt(at, attempt) }),
        }),
      );
    }
    const targets = ports.map((port) => `127.0.0.1:${port}`);
    if (input.kind === 'process-dies') {
      // Half of each transport's subscribers on each process, whatever order their connections open in:
      // the relay takes one target at a time while they connect, then both, round robin.
      for (const [index, target] of targets.entries()) {
        await relay!.setTargets([target]);
        const group = subscribers.filter((_, i) => Math.floor(i / input.variants.length) % targets.length === index);
        for (const s of group) s.processIndex = index;
        await connectAll(group);
      }
      await relay!.setTargets(targets);
    } else {
      await connectAll(subscribers);
    }

    phase('before the fault');
    voter = new OpenLoopVoter({
      baseUrl: entry,
      cookie: await openSession(direct, 'bench-fault-voter'),
      rate: input.rate,
      count: voteCount,
      candidateIds,
      idPrefix: input.kind,
      maxRetries: VOTE_RETRIES,
    });
    const voting = voter.run();
    const startedAt = performance.now();
    const requestsAtStart = requestsByVariant(subscribers);
    await sleep(input.beforeMs);

    phase(input.label);
    const faultAt = performance.now();
    const requestsAtFault = requestsByVariant(subscribers);
    let restartMs: number | undefined;
    await storm?.start(faultAt, servers[0]!.url);
    if (input.kind === 'cut' || input.kind === 'storm') {
      await relay!.cut(1);
    } else if (input.kind === 'restart') {
      const port = servers[0]!.port;
      await servers[0]!.kill();
      servers[0] = await startServer(input, port);
      restartMs = performance.now() - faultAt;
    } else {
      // The balancer's health check takes the dead process out at once: every new connection goes to
      // the survivor. (Without one, round robin would send every other attempt to the dead address and
      // the clients' backoff would grow with each miss.)
      await servers[1]!.kill();
      await relay!.setTargets([targets[0]!]);
    }

    phase('recovering');
    await voting;
    const lastVoteAt = performance.now();
    await voter.close();
    const acknowledged = voter.votes.filter((v) => v.seq !== undefined);
    const epochOf = (vote: CastVote): number => (preloaded > 0 && vote.seq! <= preloaded ? 1 : 0);
    const epochs = preloaded > 0 ? 2 : 1;
    const expectedByEpoch = Array.from({ length: epochs }, (_, epoch) =>
      acknowledged
        .filter((v) => epochOf(v) === epoch)
        .map((v) => v.seq!)
        .sort((a, b) => a - b),
    );
    await drain(subscribers, expectedByEpoch.at(-1)!.at(-1), epochs);
    const stormFigures = await storm?.finish(subscribers, faultAt);
    const endAt = performance.now();
    const requestsAtEnd = requestsByVariant(subscribers);

    const countCheck = await checkCounts(
      servers.find((s) => s.alive)!.url,
      distinctVoteIds(preloaded > 0 ? acknowledged.filter((v) => epochOf(v) === 1) : acknowledged),
      preloaded > 0 ? 'votes acknowledged by the restarted process (the killed one took its counts along)' : 'every acknowledged vote',
    );
    for (const vote of voter.votes) if (vote.error !== undefined && errors.length < 10) errors.push(`vote ${vote.voteId}: ${vote.error}`);

    const paceBefore = (variant: VariantName): number =>
      ((requestsAtFault.get(variant) ?? 0) - (requestsAtStart.get(variant) ?? 0)) / Math.max(1, faultAt - startedAt);
    const transports = input.variants.map((variant) =>
      transportResult(
        input.kind,
        variant,
        subscribers.filter((s) => s.spec.name === variant),
        faultAt,
        expectedByEpoch,
        acknowledged,
        epochOf,
        (requestsAtEnd.get(variant) ?? 0) - (requestsAtFault.get(variant) ?? 0) - paceBefore(variant) * (endAt - faultAt),
      ),
    );
    const relayStats = await relay?.stats();
    return {
      kind: input.kind,
      label: input.label,
      feed: input.feed,
      processes,
      jitter: input.jitter,
      rate: input.rate,
      beforeMs: input.beforeMs,
      afterMs: Math.round(lastVoteAt - faultAt),
      votes: voter.stats(),
      countCheck,
      transports,
      ...(restartMs === undefined ? {} : { restartMs: Math.round(restartMs) }),
      ...(preloaded > 0 ? { unsentAtRestart: unsentAtRestart(subscribers, expectedByEpoch[0]!) } : {}),
      ...(stormFigures === undefined ? {} : { storm: stormFigures }),
      ...(relayStats === undefined ? {} : { relay: { accepted: relayStats.accepted, refused: relayStats.refused, cut: relayStats.cut } }),
      errors,
    };
  } finally {
    phase('closing');
    await voter?.close();
    await Promise.all(subscribers.map((s) => s.subscriber.stop()));
    await relay?.stop();
    await Promise.all(servers.map((s) => s.stop()));
  }
}

/** Starts subscribers in waves (pollers at a random phase of their interval) and waits for every first snapshot. */
async function connectAll(subscribers: readonly FaultSubscriber[]): Promise<void> {
  for (let i = 0; i < subscribers.length; i += CONNECT_WAVE) {
    for (const s of subscribers.slice(i, i + CONNECT_WAVE)) {
      // Pollers start at a random phase of their interval, as real tabs do (and as in the normal scenarios).
      const interval = s.spec.intervalMs;
      if (interval === undefined) s.subscriber.start();
      else setTimeout(() => s.subscriber.start(), Math.random() * interval);
    }
    await sleep(10);
  }
  const ready = await Promise.race([Promise.all(subscribers.map((s) => s.subscriber.ready)).then(() => true), sleep(CONNECT_TIMEOUT_MS).then(() => false)]);
  if (!ready) throw new Error(`not every subscriber had its first snapshot after ${CONNECT_TIMEOUT_MS / 1000} s`);
}

function startServer(input: FaultScenarioInput, port: number, originEnv: Record<string, string> = {}): Promise<ServerProcess> {
  return ServerProcess.start({
    script: 'src/server.ts',
    port,
    env: { ...process.env, ...SERVER_ENV, ...input.feedEnv, ...originEnv, SESSION_SECRET: input.sessionSecret },
    commandPrefix: input.serverCommandPrefix,
    cwd: input.cwd,
  });
}

async function ballotCandidates(baseUrl: string): Promise<string[]> {
  const snapshot = (await (await fetch(`${baseUrl}/api/ballot`)).json()) as { candidates: { id: string }[] };
  return snapshot.candidates.map((c) => c.id);
}

/** The server's final counts (GET /api/ballot) against the votes it acknowledged. */
async function checkCounts(baseUrl: string, expected: number, scope: string): Promise<VoteCountCheck> {
  const snapshot = (await (await fetch(`${baseUrl}/api/ballot`)).json()) as { candidates: { count: number }[] };
  const counted = snapshot.candidates.reduce((sum, c) => sum + c.count, 0);
  return { expected, counted, scope, met: counted === expected };
}

/** Each vote has a voteId of its own; counted as a set all the same, since "counted once" is per voteId. */
function distinctVoteIds(votes: readonly CastVote[]): number {
  return new Set(votes.map((v) => v.voteId)).size;
}

function requestsByVariant(subscribers: readonly FaultSubscriber[]): Map<VariantName, number> {
  const byVariant = new Map<VariantName, number>();
  for (const s of subscribers) byVariant.set(s.spec.name, (byVariant.get(s.spec.name) ?? 0) + s.subscriber.counters().requests);
  return byVariant;
}

/** Waits until every subscriber is in the last epoch and holds its last acknowledged vote, or DRAIN_MS after the polling interval. */
async function drain(subscribers: readonly FaultSubscriber[], last: number | undefined, epochs: number): Promise<void> {
  const longestInterval = Math.max(0, ...subscribers.map((s) => s.spec.intervalMs ?? 0));
  const deadline = performance.now() + DRAIN_MS + 2 * longestInterval;
  const done = (s: FaultSubscriber): boolean => s.ledger.epochs.length >= epochs && (last === undefined || s.ledger.current.highest >= last);
  while (performance.now() < deadline && !subscribers.every(done)) await sleep(25);
}

function transportResult(
  kind: FaultKind,
  variant: VariantName,
  subscribers: readonly FaultSubscriber[],
  faultAt: number,
  expectedByEpoch: readonly (readonly number[])[],
  acknowledged: readonly CastVote[],
  epochOf: (vote: CastVote) => number,
  extraRequests: number,
): FaultTransportResult {
  const lastEpoch = expectedByEpoch.length - 1;
  const connected: number[] = [];
  const caughtUp: number[] = [];
  let notRecovered = 0;
  // When one of two processes dies (the second), only its own subscribers are cut off: the timings are theirs.
  const timed = kind === 'process-dies' ? subscribers.filter((s) => s.processIndex === 1) : subscribers;
  for (const s of timed) {
    const at = s.firstConnectedAfter(faultAt);
    const inLastEpoch = s.ledger.epochs.length - 1 === lastEpoch;
    if (at === undefined || !inLastEpoch) {
      notRecovered++;
      continue;
    }
    connected.push(at - faultAt);
    // Every vote of the last epoch acknowledged by the time it was back: when did it hold the last of them?
    const ledger = s.ledger.current;
    let holdsAllAt: number | undefined = at;
    for (const vote of acknowledged) {
      if (epochOf(vote) !== lastEpoch || vote.acknowledgedAt! > at || vote.seq! <= (ledger.baseline ?? 0)) continue;
      const arrived = ledger.arrivals.get(vote.seq!);
      if (arrived === undefined) {
        holdsAllAt = undefined;
        break;
      }
      holdsAllAt = Math.max(holdsAllAt, arrived);
    }
    if (holdsAllAt === undefined) notRecovered++;
    else caughtUp.push(holdsAllAt - faultAt);
  }
  return {
    variant,
    subscribers: subscribers.length,
    timed: timed.length,
    connectedAgain: timing(connected),
    caughtUp: timing(caughtUp),
    notRecovered,
    lost: subscribers.reduce((sum, s) => sum + s.ledger.lost(expectedByEpoch), 0),
    duplicated: subscribers.reduce((sum, s) => sum + s.ledger.duplicated, 0),
    outOfOrder: subscribers.reduce((sum, s) => sum + s.ledger.outOfOrder, 0),
    resyncs: subscribers.reduce((sum, s) => sum + s.ledger.resyncs, 0),
    subscribersResynced: subscribers.filter((s) => s.ledger.resyncs > 0).length,
    failedAttempts: subscribers.reduce((sum, s) => sum + s.failedAttempts, 0),
    extraRequests: Math.max(0, Math.round(extraRequests)),
  };
}

function timing(values: readonly number[]): FaultTiming | null {
  if (values.length === 0) return null;
  const round = (v: number | undefined): number => Math.round((v ?? 0) * 10) / 10;
  return { p50Ms: round(percentile(values, 50)), p99Ms: round(percentile(values, 99)), maxMs: round(Math.max(...values)) };
}

/** Votes the killed memory process acknowledged above what any subscriber had heard from it: they went down with it. */
function unsentAtRestart(subscribers: readonly FaultSubscriber[], epochZero: readonly number[]): number {
  const heard = Math.max(...subscribers.map((s) => s.ledger.epochs[0]!.highest));
  return epochZero.filter((seq) => seq > heard).length;
}
