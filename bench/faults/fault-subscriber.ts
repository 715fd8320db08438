import { performance } from 'node:perf_hooks';
import type { BackoffOptions } from '../../src/client/types.ts';
import { Subscriber } from '../load/subscriber.ts';
import { isSnapshotVariant, type VariantSpec } from '../plan/variants.ts';
import { EpochLedger } from './epoch-ledger.ts';

export interface FaultSubscriberOptions {
  spec: VariantSpec;
  baseUrl: string;
  cookie: string;
  longPollTimeoutMs: number;
  backoff?: BackoffOptions;
  /** Called each time the client layer schedules a reconnect: when (performance.now()) and which attempt (1 = first after a success). */
  onAttemptScheduled?: (at: number, attempt: number) => void;
}

/**
 * A bench subscriber (the shared client layer over its own connection) that also keeps what a fault
 * scenario asks of it: an epoch-aware ledger, when it last heard anything, and its failed attempts.
 */
export class FaultSubscriber {
  readonly spec: VariantSpec;
  readonly ledger: EpochLedger;
  readonly subscriber: Subscriber;
  /** performance.now() of every answer, frame or open: "connected" is the first of them after a fault. */
  readonly #heardAt: number[] = [];
  /** performance.now() of every reconnect the client layer scheduled (each after a failed connection or request). */
  readonly #failedAt: number[] = [];
  /** Which server process it connected to, when the scenario placed it (one of two processes dies). */
  processIndex: number | undefined;

  constructor(options: FaultSubscriberOptions) {
    this.spec = options.spec;
    this.ledger = new EpochLedger(isSnapshotVariant(options.spec) ? 'snapshots' : 'events');
    const heard = (): void => {
      this.#heardAt.push(performance.now());
    };
    this.subscriber = new Subscriber({
      spec: options.spec,
      baseUrl: options.baseUrl,
      cookie: options.cookie,
      longPollTimeoutMs: options.longPollTimeoutMs,
      ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
      watcher: {
        onSnapshot: (snapshot) => {
          this.ledger.onSnapshot(snapshot.seq, performance.now());
          heard();
        },
        onEvent: (event) => {
          this.ledger.onEvent(event.seq, performance.now());
          heard();
        },
        onWire: (record) => {
          // An HTTP answer (a 304 or an empty long poll too) shows the connection works again.
          if (record.status !== undefined && record.status < 400) heard();
        },
        onStatus: (status, _detail, reconnect) => {
          if (status === 'open') heard();
          if (status === 'reconnecting') {
            this.#failedAt.push(performance.now());
            if (reconnect !== undefined) options.onAttemptScheduled?.(performance.now() + reconnect.retryInMs, reconnect.attempt);
          }
        },
      },
    });
  }

  /** Reconnects the client layer scheduled, each after a failed connection or request. */
  get failedAttempts(): number {
    return this.#failedAt.length;
  }

  /**
   * When this subscriber was connected again after a fault at `at` (performance.now()): the first answer,
   * frame or open after its first failure since `at`, or after `at` itself when it never saw one (a poller
   * whose idle connection was cut simply opens a new one for its next poll).
   */
  firstConnectedAfter(at: number): number | undefined {
    const failed = this.#failedAt.find((t) => t >= at) ?? at;
    return this.#heardAt.find((t) => t > failed);
  }
}
