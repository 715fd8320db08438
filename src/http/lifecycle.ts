/**
 * Shutdown in the order docs/protocol.md describes: refuse new requests (503), then let every transport answer
 * parked polls, close WebSockets with 1001 and end SSE streams. Transports register a drain step.
 */
export class Lifecycle {
  #closing = false;
  #drains: (() => void | Promise<void>)[] = [];
  #shutdown: Promise<void> | undefined;

  get closing(): boolean {
    return this.#closing;
  }

  onShutdown(drain: () => void | Promise<void>): void {
    this.#drains.push(drain);
  }

  /** Idempotent: the second call waits for the first. */
  shutdown(): Promise<void> {
    this.#shutdown ??= this.#run();
    return this.#shutdown;
  }

  async #run(): Promise<void> {
    this.#closing = true;
    await Promise.allSettled(this.#drains.map((drain) => drain()));
  }
}
