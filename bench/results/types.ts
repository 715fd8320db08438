/**
 * The shape of results.json: every figure the report shows, as measured in one run.
 * The report is rendered only from this (so `npm run report -- results.json` can redo it), so anything
 * the report says must be derivable from what is stored here.
 */

/** A way of hearing the feed as the bench runs it: a transport plus its settings. */
export type VariantName =
  | 'polling-1s'
  | 'polling-250ms'
  | 'polling-conditional-1s'
  | 'long-polling'
  | 'websocket'
  | 'sse'
  | 'ws-reference'
  | 'long-poll-reference'
  | 'socketio-polling';

export interface LatencySummary {
  /** Number of recorded values (subscriber × vote pairs, or votes for the last-subscriber figure). */
  count: number;
  meanUs: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
}

/** [percentile 0..100, microseconds]: enough points to draw a CDF. */
export type CdfPoint = [percentile: number, micros: number];

export interface CoherenceSummary {
  subscribers: number;
  /** Votes each subscriber should have heard (acknowledged votes of the run). */
  expectedPerSubscriber: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  /** Snapshots received after the first one on a push transport: the server sent counts instead of events. */
  resyncs: number;
  /** Subscribers with any lost, duplicated or out-of-order event. */
  subscribersWithErrors: number;
}

export interface VoteStats {
  scheduled: number;
  acknowledged: number;
  failed: number;
  /** How late the bench sent votes against their schedule: a symptom of a busy load generator. */
  sendLagP99Ms: number;
  sendLagMaxMs: number;
  /** Mean length of an acknowledged vote's event JSON (the payload every transport carries). */
  meanEventJsonBytes: number;
  /** Mean number of digits of those votes' seqs (SSE repeats the seq in its `id:` line). */
  meanSeqDigits: number;
}

export interface CostSummary {
  /** Subscriber × vote pairs that had to be delivered in the window (acknowledged votes × subscribers); see bench/results/deliveries.ts. */
  deliveries: number;
  /** Events the server wrote to subscribers in the window, by its own counter: what per-event figures divide by (bench/results/deliveries.ts). */
  serverDeliveries: number;
  /** HTTP requests (and WebSocket upgrades) the server counted for this transport in the window. */
  serverRequests: number;
  /** HTTP requests the subscribers made in the window. */
  clientRequests: number;
  /** Bytes the server read / wrote at its sockets for this transport. */
  serverBytesIn: number;
  serverBytesOut: number;
  /** Bytes the subscribers wrote / read at their own sockets. */
  clientBytesOut: number;
  clientBytesIn: number;
  /** Responses without news (304, 204, an unchanged 200) seen by the subscribers. */
  emptyResponses: number;
  /** Responses the subscribers received (HTTP transports) or frames/events (push transports). */
  responses: number;
  serverCpuMs: number;
  /** The server process's CPU time divided by the wall time of the window (1.0 = one core busy). */
  serverCpuUtilization: number;
  /** Event-loop utilisation of the server over the window, when its metrics report it. */
  serverEventLoopUtilization: number | null;
  /** Server resident memory before the subscribers connected and once they all had. */
  serverRssBeforeBytes: number;
  serverRssConnectedBytes: number;
  serverHeapBeforeBytes: number;
  serverHeapConnectedBytes: number;
  /** RSS and heap once every subscriber connected and a short pause passed, before any vote of the scenario. */
  serverRssSettledBytes?: number;
  serverHeapSettledBytes?: number;
  /** The server's event-loop delay over the measured window (p99 and worst, the worst server when several). */
  serverEventLoopDelayP99Ms?: number;
  serverEventLoopDelayMaxMs?: number;
}

export interface GeneratorHealth {
  /** CPU time of the busiest process of the load generator divided by wall time (1.0 = one core). */
  cpuUtilization: number;
  /** The busiest process's event-loop utilisation. */
  eventLoopUtilization: number;
  /** Worst delay of a timer in any process of the load generator, a direct sign of a blocked event loop. */
  eventLoopDelayP99Ms: number;
  /** Subscriber worker processes the subscribers were spread over (absent: all in the bench's own process). */
  workers?: number;
  /** CPU time (user + system) of the whole load generator over the window: workers and voter. */
  cpuMs?: number;
  saturated: boolean;
  reasons: string[];
}

export interface ScenarioResult {
  id: string;
  variant: VariantName;
  clients: number;
  /** Votes per second, cast on an open-loop schedule. */
  rate: number;
  repetition: number;
  /** Length of the measured voting window. */
  windowMs: number;
  /**
   * The unmeasured traffic before the window (subscribers connected, votes at the scenario's rate), so the
   * server's JIT has settled; absent in results from before the bench warmed up (a cold window).
   */
  warmup?: { ms: number };
  /**
   * Server CPU with the subscribers still connected and no votes, over a window as long as the measured
   * one (after the drain): what the transport costs to keep idle. Only for the scenarios that measured it
   * (the headline ones); absent otherwise.
   */
  idle?: IdleCost;
  votes: VoteStats;
  latency: LatencySummary;
  /** Per vote: the time until the last subscriber had it. */
  lastSubscriber: LatencySummary;
  cdf: CdfPoint[];
  coherence: CoherenceSummary;
  cost: CostSummary;
  generator: GeneratorHealth;
  /** How connecting the subscribers went: how long until the last had its first snapshot, and how many did. */
  connect?: { ms: number; subscribers: number; missing: number; fileLimitHit: boolean };
  /** Anything that went wrong (failed connections, server errors); empty when all went well. */
  errors: string[];
  /** When the clients reached the server through the network relay: its own load over the window. */
  relay?: RelayHealth;
  /** When several processes served the scenario, or the feed reports a Redis round trip. */
  servers?: {
    processes: number;
    feedKind: string;
    /** `feed.rttMs` of GET /api/metrics, every process at the end of the window and after the drain. */
    feedRttMs: number[];
  };
}

/** Server CPU over a window with the subscribers connected and no votes. */
export interface IdleCost {
  /** Server CPU time (user + system, summed over the processes) in the idle window. */
  serverCpuMs: number;
  /** Wall time of the idle window as the server measured it. */
  windowMs: number;
}

/** The network relay's own load over a measured window, judged like the load generator's. */
export interface RelayHealth {
  /** CPU time of the relay process divided by wall time (1.0 = one core). */
  cpuUtilization: number;
  eventLoopUtilization: number;
  /** Bytes the relay carried in the window, each direction. */
  bytesToServer: number;
  bytesToClient: number;
  /** Connections it accepted since it started (subscribers, sessions and the voter). */
  accepted: number;
  saturated: boolean;
  reasons: string[];
}

/** One emulated network (see docs/bench.md, "Networks"); mirrors bench/network/profiles.ts. */
export interface NetworkProfileResult {
  name: 'loopback' | 'lan' | 'broadband' | 'mobile';
  rttMs: number;
  jitterMs: number;
  bandwidthBytesPerSec?: number;
}

/** How the subscribers reached the server (bench/plan/protocols.ts). */
export type ProtocolName = 'h1' | 'h1-tls' | 'h2';

/** The headline scenario of the real server's transports over TLS: HTTP/1.1 and HTTP/2 (h1 is the main run). */
export interface ProtocolResults {
  /** Every protocol asked for, h1 included (its figures are the main run's headline scenarios). */
  protocols: ProtocolName[];
  clients: number;
  rate: number;
  runs: { protocol: Exclude<ProtocolName, 'h1'>; scenario: ScenarioResult }[];
}

/** The headline scenario of every transport over each emulated network other than loopback. */
export interface NetworkResults {
  /** Every profile asked for, loopback included (its figures are the loopback headline scenarios). */
  profiles: NetworkProfileResult[];
  clients: number;
  rate: number;
  runs: { profile: NetworkProfileResult['name']; scenario: ScenarioResult }[];
}

export interface OverheadResult {
  name: 'ballot-200' | 'ballot-304' | 'vote-201';
  method: string;
  path: string;
  expectedStatus: number;
  connections: number;
  durationMs: number;
  requests: number;
  requestsPerSecond: number;
  /** Responses with another status than expected, and socket errors. */
  unexpected: number;
  errors: number;
  /** Bytes per request at the server's sockets, each direction. */
  bytesInPerRequest: number;
  bytesOutPerRequest: number;
  serverCpuMs: number;
  serverCpuUtilization: number;
  /** Requests per second of server CPU: how many clients polling once a second one core could serve. */
  requestsPerCpuSecond: number;
  /** autocannon's own latency: closed-loop with a 1 ms floor, so shown for context only. */
  latencyP50Ms: number;
  latencyP99Ms: number;
}

/** One exchange captured byte for byte on a raw socket, for the header and framing arithmetic. */
export interface WireProbe {
  name: 'ballot-200' | 'ballot-304' | 'long-poll-200' | 'sse-event' | 'ws-frame';
  requestBytes: number;
  /** Status line and headers including the blank line (0 for frames). */
  responseHeaderBytes: number;
  responseBodyBytes: number;
  /** Length of one vote event's JSON, the payload every transport carries. */
  eventJsonBytes: number;
  /** For streams: whether the response used chunked transfer encoding. */
  chunked: boolean;
}

export interface EnvironmentInfo {
  node: string;
  v8: string;
  os: string;
  arch: string;
  cpuModel: string;
  cores: number;
  totalMemoryBytes: number;
  gitCommit: string | null;
  gitDirty: boolean | null;
}

export interface PinningInfo {
  applied: boolean;
  /** CPU list of the server processes (real and reference), e.g. "0". */
  serverCpus: string | null;
  /** CPU list of the bench process (subscribers, voter, autocannon). */
  loadCpus: string | null;
  note: string;
}

export interface BenchConfig {
  quick: boolean;
  variants: VariantName[];
  clients: number[];
  rates: number[];
  windowMs: number;
  /** Unmeasured traffic before each measured window; absent in results from before the bench warmed up. */
  warmupMs?: number;
  repeat: number;
  headline: { clients: number; rate: number };
  /** Whether the Redis scenario was planned (it may still be skipped when no Redis is reachable). */
  redis?: boolean;
  /** Whether the fault scenarios were asked for (--faults or --full). */
  faults?: boolean;
  /** Whether the capacity scenario was asked for (--capacity or --full). */
  capacity?: boolean;
  longPollTimeoutMs: number;
  overheadDurationMs: number;
  overheadConnections: number;
  /** Environment the server was started with (no secrets: the session secret is random per run). */
  serverEnv: Record<string, string>;
  outDir: string;
}

/** The Redis scenario (issue 5): the same WebSocket subscribers on each way of serving the feed. */
export type FeedSetupName = 'memory-1' | 'redis-1' | 'redis-2';

export interface FeedRun {
  setup: FeedSetupName;
  label: string;
  processes: number;
  feed: 'memory' | 'redis';
  /** The scenario as measured (variant websocket); CPU, memory and counters summed over the processes. */
  scenario: ScenarioResult;
}

export interface FeedComparison {
  /** REDIS_URL with any password redacted. */
  redisUrl: string;
  /** REDIS_KEY_PREFIX the servers ran with (`bench:<run id>:`); its keys are deleted afterwards. */
  keyPrefix: string;
  /** How the two processes were run. */
  processesHow: string;
  clients: number;
  rate: number;
  /** Why the scenario did not run (no Redis reachable); absent when it ran. */
  skipped?: string;
  runs: FeedRun[];
  /** Keys under keyPrefix deleted at the end (null if the cleanup failed: see failures). */
  keysDeleted: number | null;
}

export interface BenchResults {
  schemaVersion: 1;
  startedAt: string;
  finishedAt: string;
  environment: EnvironmentInfo;
  pinning: PinningInfo;
  config: BenchConfig;
  scenarios: ScenarioResult[];
  /** Scenarios (or the overhead step) that could not be measured at all, with the error. */
  failures: { step: string; error: string }[];
  /** Steps run a second time because their server process died without being told to (killed from outside). */
  retries?: { step: string; reason: string }[];
  overhead: OverheadResult[];
  probes: WireProbe[];
  /** The Redis scenario; absent when it was not asked for (--quick without --redis, or --no-redis). */
  feeds?: FeedComparison;
  /** The headline scenario over emulated networks; absent when only loopback was asked for. */
  networks?: NetworkResults;
  /** The headline scenario over TLS (HTTP/1.1 and HTTP/2); absent when only h1 was asked for. */
  protocols?: ProtocolResults;
  /** The fault scenarios; absent when they were not asked for (--faults or --full). */
  faults?: FaultsResults;
  /** The capacity scenario; absent when it was not asked for (--capacity or --full). */
  capacity?: CapacityResults;
}

/** Many subscribers per transport at a slow vote rate: what one process holds, and what each one costs. */
export interface CapacityResults {
  clients: number;
  rate: number;
  windowMs: number;
  warmupMs: number;
  /** The open-file limit the server and the subscriber workers ran with (null: unknown, Infinity is written as null too). */
  openFileLimit: number | null;
  /** One per variant that ran (partly, when the open-file limit or a timeout stopped it: see its `connect` and `errors`). */
  runs: ScenarioResult[];
  /** Variants that measured nothing, with why. */
  notRun: { variant: VariantName; reason: string }[];
  /** Wall time of the whole capacity scenario. */
  durationMs: number;
}

/** A fault the bench injects while votes keep coming (see docs/bench.md, "Faults"). */
export type FaultKind = 'cut' | 'restart' | 'process-dies' | 'storm';

/** Low, typical and worst of one timing over the subscribers of a transport, in ms from the fault. */
export interface FaultTiming {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** How the subscribers of one transport came through a fault. */
export interface FaultTransportResult {
  variant: VariantName;
  subscribers: number;
  /** Subscribers the timings cover: all of them, except when one of two processes dies (then those that were connected to the process that died). */
  timed: number;
  /** From the fault to the first answer, frame or open after it (null: no subscriber was measured). */
  connectedAgain: FaultTiming | null;
  /** From the fault until the subscriber held every vote acknowledged before it was connected again. */
  caughtUp: FaultTiming | null;
  /** Subscribers never heard from again, or that never caught up, before the scenario's deadline. */
  notRecovered: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  /** Snapshots that replaced a cursor (the server could not resume it), summed over the subscribers. */
  resyncs: number;
  /** Subscribers with at least one resync. */
  subscribersResynced: number;
  /** Reconnects the client layer scheduled (failed connections or requests), summed. */
  failedAttempts: number;
  /** Requests from the fault to the end beyond what the same time costs at the pace measured before it. */
  extraRequests: number;
}

/** Whether the server's final counts hold every acknowledged vote exactly once. */
export interface VoteCountCheck {
  /** Distinct voteIds the server acknowledged that the final state should hold. */
  expected: number;
  /** The sum of the candidates' counts in GET /api/ballot at the end. */
  counted: number;
  /** What `expected` covers, e.g. "every acknowledged vote" or "votes acknowledged after the restart". */
  scope: string;
  met: boolean;
}

export interface FaultRun {
  kind: FaultKind;
  /** e.g. "Server restart, memory feed". */
  label: string;
  feed: 'memory' | 'redis';
  processes: number;
  /** Jitter of the client layer's reconnect backoff (off only in the storm's second run). */
  jitter: boolean;
  rate: number;
  /** Votes cast before the fault; votes go on at `rate` until `afterMs` after it. */
  beforeMs: number;
  afterMs: number;
  /** Measured votes (the restart on the memory feed also casts as many before the subscribers join: see docs/bench.md). */
  votes: VoteStats;
  countCheck: VoteCountCheck;
  transports: FaultTransportResult[];
  /** The restart: from kill -9 until the new process answered. */
  restartMs?: number;
  /** Acknowledged votes the killed memory process held and never sent (gone with its memory). */
  unsentAtRestart?: number;
  /** The storm: connection attempts per 100 ms from the fault, and what the server and the OS went through. */
  storm?: StormFigures;
  /** The relay's counters at the end (absent for the restart, which runs without a relay). */
  relay?: { accepted: number; refused: number; cut: number };
  errors: string[];
}

export interface StormFigures {
  /** Reconnect attempts the clients scheduled, per 100 ms bucket after the cut (index 0 = 0-100 ms). */
  attemptsPer100Ms: number[];
  /** From the cut until the last subscriber was connected again (null if some never were). */
  allBackMs: number | null;
  /** Highest server CPU (share of one core) over 100 ms samples during the storm. */
  peakServerCpu: number;
  /** Connections the relay accepted and the server end refused or failed during the storm. */
  failedAttempts: number;
  /** TcpExt ListenOverflows (Linux /proc/net/netstat) during the storm; null where the OS does not say. */
  listenOverflows: number | null;
}

export interface FaultsResults {
  clientsPerTransport: number;
  stormClients: number;
  rate: number;
  runs: FaultRun[];
  /** Scenarios not run, with why (no Redis answering, say). */
  skipped: { label: string; reason: string }[];
}
