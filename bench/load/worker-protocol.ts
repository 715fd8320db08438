import type { CoherenceSummary, VariantName } from '../results/types.ts';
import type { GeneratorFigures } from './generator-monitor.ts';
import type { ClientTls } from './node-client-environment.ts';
import type { SubscriberCounters } from './subscriber.ts';

/** What a subscriber worker process is asked to do (each request carries an id its answer repeats). */
export type WorkerRequest =
  | {
      kind: 'open';
      variant: VariantName;
      /** The servers (or the relay) subscribers connect to: subscriber i (global index) uses urls[i % urls.length]. */
      urls: readonly string[];
      /** Global index of this worker's first subscriber, and how many it runs. */
      firstIndex: number;
      count: number;
      longPollTimeoutMs: number;
      /** How long to wait for every subscriber's first snapshot. */
      connectTimeoutMs: number;
      /** Over TLS: HTTP/2 or HTTP/1.1, and the bench's certificate to trust. @default cleartext HTTP/1.1 */
      tls?: ClientTls;
    }
  | { kind: 'counters' }
  | { kind: 'monitor-start' }
  | { kind: 'monitor-finish' }
  /** Wait until every subscriber holds `lastSeq`, or for `timeoutMs` at most. */
  | { kind: 'drain'; lastSeq: number; timeoutMs: number }
  /** The votes' due times on the shared clock (see shared-clock.ts), keyed by seq; `expected` in order. */
  | { kind: 'results'; due: readonly [number, number][]; expected: readonly number[] }
  | { kind: 'stop' };

export interface OpenedAnswer {
  /** Subscribers running (sessions that could not be opened have none). */
  subscribers: number;
  /** Of those, the ones without a first snapshot when the connect timeout ran out. */
  missing: number;
  /** ms from the request to the last first snapshot (or to the timeout). */
  connectMs: number;
  /** True when an error said the process ran out of file descriptors (EMFILE/ENFILE). */
  fileLimitHit: boolean;
  errors: string[];
}

export interface ResultsAnswer {
  coherence: CoherenceSummary;
  /** This worker's per-delivery latencies, an HdrHistogram in compressed base64. */
  perDelivery: string;
  /** Per seq, when the last of this worker's subscribers had it, on the shared clock (null: one never did). */
  latest: [number, number | null][];
  errors: string[];
}

/** The answer to each request kind. */
export interface WorkerAnswers {
  open: OpenedAnswer;
  counters: SubscriberCounters;
  'monitor-start': null;
  'monitor-finish': GeneratorFigures;
  drain: null;
  results: ResultsAnswer;
  stop: null;
}

export interface WorkerMessage {
  id: number;
  request: WorkerRequest;
}
export type WorkerReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };
