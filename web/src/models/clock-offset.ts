/**
 * Estimates how far the server's clock is ahead of ours, so that "now - votedAt" means latency and not
 * clock skew when the page runs on another machine (a phone on the LAN). Each vote we cast is a probe:
 * the server stamped `votedAt` somewhere between our send and our receive, so
 * offset ≈ votedAt - (sent + received) / 2, with an error of at most half the round trip. The estimate of
 * the fastest round trip seen wins, as in NTP.
 */
export class ClockOffset {
  #offsetMs = 0;
  #bestRoundTripMs = Number.POSITIVE_INFINITY;

  /** Server clock minus local clock, ms (0 until a probe arrives). */
  get offsetMs(): number {
    return this.#offsetMs;
  }

  /** Half the best round trip: how wrong `offsetMs` can be. Infinity before any probe. */
  get uncertaintyMs(): number {
    return this.#bestRoundTripMs / 2;
  }

  observe(sentAt: number, serverTime: number, receivedAt: number): void {
    const roundTrip = receivedAt - sentAt;
    if (!(roundTrip >= 0) || roundTrip >= this.#bestRoundTripMs) return;
    this.#bestRoundTripMs = roundTrip;
    this.#offsetMs = serverTime - (sentAt + receivedAt) / 2;
  }

  /**
   * The offset worth applying: only one larger than its own uncertainty. On one machine the true offset
   * is 0 and the estimate is noise of up to half a round trip, which would turn 1 ms latencies negative.
   */
  get effectiveOffsetMs(): number {
    return Math.abs(this.#offsetMs) > this.uncertaintyMs ? this.#offsetMs : 0;
  }

  /** A server timestamp expressed on the local clock. */
  toLocal(serverTime: number): number {
    return serverTime - this.effectiveOffsetMs;
  }
}
