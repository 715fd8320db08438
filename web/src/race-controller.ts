import { createClient, TRANSPORTS } from '../../src/client/registry.ts';
import { FeedSubscription } from '../../src/client/subscription.ts';
import type { ClientEnvironment, ClientHooks, ConnectionStatus, FeedClientOptions, TransportName } from '../../src/client/types.ts';
import { ClockOffset } from './models/clock-offset.ts';
import { RaceModel } from './models/race.ts';

/**
 * The race: four subscriptions in this one page, one per transport, all judged by their own cursor
 * trackers and timed by one RaceModel. Running only while the race view is open, so the live view's
 * wire numbers are not muddied by three extra transports the rest of the time.
 */
export class RaceController {
  readonly lanes: readonly TransportName[] = TRANSPORTS;
  readonly subscriptions = new Map<TransportName, FeedSubscription>();
  readonly statuses = new Map<TransportName, ConnectionStatus>();
  model: RaceModel;
  version = 0;
  readonly #env: ClientEnvironment & ClientHooks;
  readonly #clock: ClockOffset;
  readonly #pageId: string;
  #pollingOptions: FeedClientOptions;

  constructor(env: ClientEnvironment & ClientHooks, clock: ClockOffset, pageId: string, pollingOptions: FeedClientOptions) {
    this.#env = env;
    this.#clock = clock;
    this.#pageId = pageId;
    this.#pollingOptions = pollingOptions;
    this.model = new RaceModel(this.lanes, clock);
  }

  get running(): boolean {
    return this.subscriptions.size > 0;
  }

  start(): void {
    if (this.running) return;
    this.model = new RaceModel(this.lanes, this.#clock);
    for (const lane of this.lanes) {
      const subscription = new FeedSubscription(
        (name, handlers, options) => createClient(name, this.#env, handlers, options),
        {
          onSnapshot: (snapshot, _t, applied, at) => this.#changed(() => this.model.onSnapshot(lane, snapshot, applied, at)),
          onEvent: (event, _t, applied, at) => this.#changed(() => this.model.onEvent(lane, event, applied, at)),
          onWire: (record) => this.model.onWire(record),
          onStatus: (status) => this.#changed(() => this.statuses.set(lane, status)),
        },
        { now: () => this.#env.now() },
      );
      this.subscriptions.set(lane, subscription);
      subscription.switchTo(lane, this.#optionsFor(lane));
    }
    this.version += 1;
  }

  stop(): void {
    for (const subscription of this.subscriptions.values()) subscription.stop();
    this.subscriptions.clear();
    this.statuses.clear();
    this.version += 1;
  }

  setPollingOptions(options: FeedClientOptions): void {
    this.#pollingOptions = { ...this.#pollingOptions, ...options };
    this.subscriptions.get('polling')?.reconfigure(this.#optionsFor('polling'));
  }

  #optionsFor(lane: TransportName): FeedClientOptions {
    // Its own long-poll queue: the live view's long poll (if any) must not answer this lane's polls.
    if (lane === 'long-polling') return { clientId: `${this.#pageId}-race` };
    if (lane === 'polling') return this.#pollingOptions;
    return {};
  }

  #changed(update: () => void): void {
    update();
    this.version += 1;
  }
}
