import { ErrorBody, type Snapshot, type VoteEvent } from '../contract.ts';
import { Backoff } from './backoff.ts';
import { decodeJson, ProtocolError } from './decode.ts';
import { describeError, isAbort, timersOf, type Timers } from './runtime.ts';
import type {
  ClientEnvironment,
  ClientHooks,
  ConnectionStatus,
  FeedClient,
  FeedClientHandlers,
  FeedClientOptions,
  ReconnectInfo,
  TransportName,
  WireRecord,
} from './types.ts';

/**
 * What every transport client shares: start/stop, a generation number that silences callbacks of a
 * stopped or restarted connection, the client's own cursor (for its reconnects), and the reconnect
 * backoff. Subclasses only open and close their connection.
 */
export abstract class ClientLifecycle implements FeedClient {
  abstract readonly transport: TransportName;
  protected readonly env: ClientEnvironment & ClientHooks;
  protected readonly handlers: FeedClientHandlers;
  protected readonly options: FeedClientOptions;
  protected readonly timers: Timers;
  protected readonly backoff: Backoff;
  /** The last seq this client delivered (or was started from): what its own reconnects resume from. */
  protected seq: number | undefined;
  #running = false;
  #generation = 0;
  #timer: unknown;
  #status: ConnectionStatus | undefined;
  #protocolErrors = 0;

  constructor(env: ClientEnvironment & ClientHooks, handlers: FeedClientHandlers, options: FeedClientOptions = {}) {
    this.env = env;
    this.handlers = handlers;
    this.options = options;
    this.timers = timersOf(env);
    this.backoff = new Backoff(options.backoff);
  }

  get running(): boolean {
    return this.#running;
  }

  /** How many answers or frames broke the contract since this client was made. */
  get protocolErrors(): number {
    return this.#protocolErrors;
  }

  start(since: number | undefined): void {
    if (this.#running) this.#halt();
    this.#running = true;
    this.seq = since;
    this.backoff.reset();
    this.setStatus('connecting');
    this.connect(this.#generation);
  }

  stop(): void {
    if (!this.#running) return;
    this.#halt();
    this.setStatus('closed');
  }

  /** Opens the connection (or sends the first request) for this generation. */
  protected abstract connect(generation: number): void;
  /** Closes whatever is open; called once per stop or restart. Must not call handlers. */
  protected abstract disconnect(): void;

  /** False once the client was stopped or restarted after `generation` began: drop the callback. */
  protected isCurrent(generation: number): boolean {
    return this.#running && generation === this.#generation;
  }

  /** Runs `task` after `ms` unless the client is stopped or restarted meanwhile. */
  protected after(generation: number, ms: number, task: () => void): void {
    this.timers.clear(this.#timer);
    this.#timer = this.timers.set(() => {
      // Stryker disable next-line ConditionalExpression: after() is only called for the current generation, and #halt clears the one pending timer
      if (this.isCurrent(generation)) task();
    }, ms);
  }

  /** A failure: say so, wait with backoff and jitter, then connect again from `seq`. */
  protected retryLater(generation: number, detail: string): void {
    if (!this.isCurrent(generation)) return;
    const retryInMs = this.backoff.next();
    const info: ReconnectInfo = { attempt: this.backoff.attempt, retryInMs };
    this.setStatus('reconnecting', detail, info);
    this.after(generation, retryInMs, () => this.connect(generation));
  }

  /**
   * One HTTP exchange of a polling transport: status and body, or undefined when it failed (then a
   * retry with backoff is already scheduled), was aborted, or belongs to a generation that is over.
   */
  protected async fetchText(generation: number, url: string, init: RequestInit, label: string): Promise<{ status: number; body: string } | undefined> {
    let status: number;
    let body: string;
    try {
      const response = await this.env.fetch(url, init);
      status = response.status;
      body = await response.text();
    } catch (error) {
      // Stryker disable next-line ConditionalExpression: we abort only in #halt (retryLater drops that generation) or once the answer was read
      if (!isAbort(error)) this.retryLater(generation, `${label} failed: ${describeError(error)}`);
      return undefined;
    }
    return this.isCurrent(generation) ? { status, body } : undefined;
  }

  /**
   * Something the server sent broke the contract: count it, report it, drop the connection and reconnect
   * from the cursor with backoff. Whatever came after it on the same connection is not trusted either; the
   * reconnect's `since` asks for it again.
   */
  protected rejectAnswer(generation: number, error: ProtocolError): void {
    if (!this.isCurrent(generation)) return;
    this.#protocolErrors += 1;
    this.handlers.onProtocolError?.(error, this.transport);
    if (!this.isCurrent(generation)) return; // the handler stopped or restarted us
    this.disconnect();
    this.retryLater(generation, error.message);
  }

  /** "GET /api/ballot answered 503 (shutting_down: ...)": the status, and the error body when it is one. */
  protected describeAnswer(label: string, status: number, body: string): string {
    const error = decodeJson(ErrorBody, body, label);
    return error instanceof ProtocolError ? `${label} answered ${status}` : `${label} answered ${status} (${error.error}: ${error.message})`;
  }

  /** A success after failures: the next failure starts the backoff over. */
  protected markOpen(): void {
    this.backoff.reset();
    this.setStatus('open');
  }

  protected setStatus(status: ConnectionStatus, detail?: string, info?: ReconnectInfo): void {
    // Repeated "reconnecting" is reported each time: attempt and delay change.
    if (status === this.#status && status !== 'reconnecting') return;
    this.#status = status;
    this.handlers.onStatus?.(status, detail, info);
  }

  protected wire(record: Omit<WireRecord, 'transport' | 'at'>): void {
    this.handlers.onWire?.({ transport: this.transport, at: this.env.now(), ...record });
  }

  /** A snapshot while this client already held a cursor means the server could not resume it. */
  protected deliverSnapshot(snapshot: Snapshot): void {
    const reason = this.seq === undefined ? 'initial' : 'resync';
    this.seq = snapshot.seq;
    this.handlers.onSnapshot(snapshot, this.transport, reason);
  }

  protected deliverEvent(event: VoteEvent): void {
    // Duplicates are still handed on (the tracker above counts them); the own cursor only moves forward.
    // Stryker disable next-line EqualityOperator: on an equal seq the assignment writes the value already there
    if (this.seq === undefined || event.seq > this.seq) this.seq = event.seq;
    this.handlers.onEvent(event, this.transport);
  }

  #halt(): void {
    this.#running = false;
    // Stryker disable next-line AssignmentOperator: generations are only compared for equality, and counting down also never repeats one
    this.#generation += 1;
    this.timers.clear(this.#timer);
    this.disconnect();
  }
}
