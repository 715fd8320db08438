import { SubscriberLedger, type DeliveryMode } from '../measure/coherence.ts';

/**
 * What one subscriber heard through a fault, by feed epoch. An in-memory feed that restarts starts its
 * seqs over: the same seq then names another vote, so each epoch (the feed's life between two restarts)
 * gets a ledger of its own. A snapshot whose seq is below what the subscriber already held opens the
 * next epoch (no feed goes backwards otherwise); everything else goes to the current epoch's ledger,
 * which judges it exactly as in the normal scenarios.
 */
export class EpochLedger {
  readonly #mode: DeliveryMode;
  readonly epochs: SubscriberLedger[];

  constructor(mode: DeliveryMode) {
    this.#mode = mode;
    this.epochs = [new SubscriberLedger(mode)];
  }

  get current(): SubscriberLedger {
    return this.epochs.at(-1)!;
  }

  onSnapshot(seq: number, at: number): void {
    if (this.current.baseline !== undefined && seq < this.current.highest) this.epochs.push(new SubscriberLedger(this.#mode));
    this.current.onSnapshot(seq, at);
  }

  onEvent(seq: number, at: number): void {
    this.current.onEvent(seq, at);
  }

  /** Snapshots that replaced a cursor the server could not resume: new epochs plus a push transport's resyncs within one. */
  get resyncs(): number {
    return this.epochs.length - 1 + this.epochs.reduce((sum, ledger) => sum + ledger.resyncs, 0);
  }

  get duplicated(): number {
    return this.epochs.reduce((sum, ledger) => sum + ledger.duplicated, 0);
  }

  get outOfOrder(): number {
    return this.epochs.reduce((sum, ledger) => sum + ledger.outOfOrder, 0);
  }

  /**
   * Acknowledged votes this subscriber should have heard and did not, given the seqs acknowledged in each
   * epoch. In the last epoch that is every vote after its first snapshot. In an epoch that ended with a
   * restart, only the holes below the highest seq it heard: votes acknowledged just before the process
   * died and never sent were lost with its memory, for every subscriber alike (see `unsentAtRestart`).
   */
  lost(expectedByEpoch: readonly (readonly number[])[]): number {
    let lost = 0;
    this.epochs.forEach((ledger, epoch) => {
      const last = epoch === this.epochs.length - 1;
      for (const seq of expectedByEpoch[epoch] ?? []) {
        if (ledger.baseline !== undefined && seq <= ledger.baseline) continue;
        if (!last && seq > ledger.highest) continue;
        if (!ledger.arrivals.has(seq)) lost++;
      }
    });
    return lost;
  }
}
