import type { Dispatcher } from 'undici';

/** What the polling clients read of an answer: its status and its body as text. */
export interface TextAnswer {
  status: number;
  text: string;
}

/**
 * One HTTP exchange over an undici dispatcher, read whole as status and text, through undici's own
 * handler interface. `agent.request` wraps the same exchange in a body stream, an async resource and an
 * abort listener kept for the stream's life; with a thousand pollers on one worker those layers were the
 * worker's largest cost after the sockets themselves (docs/bench.md, "Load generator"). The request on the
 * wire is the same: undici writes it, on the same connection, with the same headers.
 *
 * Aborting `signal` rejects with an `AbortError`, before the exchange starts or while it runs, as fetch does.
 */
export function exchangeText(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions, signal: AbortSignal | null): Promise<TextAnswer> {
  return new Promise<TextAnswer>((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(abortError(signal));
      return;
    }
    dispatcher.dispatch(options, new TextExchange(resolve, reject, signal));
  });
}

class TextExchange implements Dispatcher.DispatchHandler {
  readonly #resolve: (answer: TextAnswer) => void;
  readonly #reject: (error: Error) => void;
  readonly #signal: AbortSignal | null;
  #controller: Dispatcher.DispatchController | undefined;
  #status = 0;
  readonly #chunks: Buffer[] = [];
  #settled = false;

  constructor(resolve: (answer: TextAnswer) => void, reject: (error: Error) => void, signal: AbortSignal | null) {
    this.#resolve = resolve;
    this.#reject = reject;
    this.#signal = signal;
    signal?.addEventListener('abort', this.#onAbort);
  }

  /** Bound once per exchange: the signal's listener, removed when the exchange settles. */
  readonly #onAbort = (): void => {
    const error = abortError(this.#signal);
    // Before the connection took the request there is no controller yet: onRequestStart aborts then.
    this.#controller?.abort(error);
    this.#fail(error);
  };

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#settled) controller.abort(abortError(this.#signal));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    this.#status = statusCode;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (!this.#settle()) return;
    const chunks = this.#chunks;
    // Most answers come in one chunk: decode it where it lies rather than copy it first.
    this.#resolve({ status: this.#status, text: (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8') });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#fail(error);
  }

  #fail(error: Error): void {
    if (this.#settle()) this.#reject(error);
  }

  /** True the first time only: an exchange resolves or rejects once, and then lets go of the signal. */
  #settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    return true;
  }
}

function abortError(signal: AbortSignal | null): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error && reason.name === 'AbortError' ? reason : new DOMException('This operation was aborted', 'AbortError');
}
