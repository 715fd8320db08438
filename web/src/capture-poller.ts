import { decodeJson, ProtocolError } from '../../src/client/decode.ts';
import { CaptureReply } from '../../src/contract.ts';

/** How often the open Anatomy tab reads its capture (well inside the server's idle time). */
const READ_EVERY_MS = 1000;

/**
 * The Anatomy tab's source: asks the server to capture this session's own feed connections
 * (POST /api/capture) while the tab is open, reads the capture once a second (GET), and stops it
 * (DELETE) when the tab closes. A tab closed with the page goes idle on the server and is dropped there.
 */
export class CapturePoller {
  reply: CaptureReply | undefined;
  /** Why the last read failed, if it did. */
  problem: string | undefined;
  /** Bumped whenever `reply` or `problem` changes. */
  version = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running = false;
  #lastText = '';
  readonly #onStarted: () => void;

  /**
   * `onStarted` runs each time the server starts capturing: connections opened before that (a WebSocket,
   * an SSE stream, a parked long poll) were not captured, so the page reopens its transport then.
   */
  constructor(onStarted: () => void) {
    this.#onStarted = onStarted;
  }

  get running(): boolean {
    return this.#running;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    void this.#read('POST');
  }

  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    clearTimeout(this.#timer);
    void fetch('/api/capture', { method: 'DELETE' }).catch(() => undefined);
  }

  async #read(method: 'GET' | 'POST'): Promise<void> {
    try {
      const response = await fetch('/api/capture', { method });
      const text = await response.text();
      if (!this.#running) return;
      if (response.status === 401) {
        // A renewed session has no capture yet: ask again.
        this.#schedule('POST');
        return;
      }
      const reply = response.ok
        ? decodeJson(CaptureReply, text, `${method} /api/capture`)
        : new ProtocolError(`${method} /api/capture`, 'CaptureReply', `${response.status}: ${text}`);
      if (reply instanceof ProtocolError) {
        this.#setProblem(reply.message);
      } else if (text !== this.#lastText) {
        this.#lastText = text;
        this.reply = reply;
        this.problem = undefined;
        this.version += 1;
      }
      if (method === 'POST' && !(reply instanceof ProtocolError) && reply.capturing) this.#onStarted();
      // The server dropped the capture (it went idle, the server restarted): start it again.
      this.#schedule(reply instanceof ProtocolError || reply.capturing ? 'GET' : 'POST');
    } catch (error) {
      if (!this.#running) return;
      this.#setProblem(`no answer: ${String(error)}`);
      this.#schedule('POST');
    }
  }

  #setProblem(problem: string): void {
    if (problem === this.problem) return;
    this.problem = problem;
    this.version += 1;
  }

  #schedule(method: 'GET' | 'POST'): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#read(method), READ_EVERY_MS);
  }
}
