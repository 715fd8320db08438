import type { ClientEnvironment, ClientHooks } from '../../src/client/types.ts';

/** A manual clock and timer queue: tests advance time explicitly instead of sleeping. */
export class ManualTimers {
  now = 0;
  #next = 1;
  readonly #tasks = new Map<number, { at: number; callback: () => void }>();

  setTimeout = (callback: () => void, ms: number): unknown => {
    const id = this.#next++;
    this.#tasks.set(id, { at: this.now + ms, callback });
    return id;
  };

  clearTimeout = (handle: unknown): void => {
    this.#tasks.delete(handle as number);
  };

  get pending(): number[] {
    return [...this.#tasks.values()].map((t) => t.at - this.now);
  }

  /** Runs every timer due within `ms`, in time order. */
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = [...this.#tasks.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      this.#tasks.delete(due[0]);
      this.now = due[1].at;
      due[1].callback();
    }
    this.now = until;
  }
}

export interface RecordedRequest {
  url: string;
  headers: Record<string, string>;
  signal: AbortSignal | undefined;
}

type Reply = { status: number; body?: unknown } | Error;

/** fetch that records requests and answers them when the test says so. */
export class ScriptedFetch {
  readonly requests: RecordedRequest[] = [];
  readonly #waiting: { resolve: (r: Response) => void; reject: (e: unknown) => void }[] = [];

  fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const headers = (init?.headers ?? {}) as Record<string, string>;
    this.requests.push({ url: input instanceof Request ? input.url : input.toString(), headers, signal: init?.signal ?? undefined });
    return new Promise<Response>((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      init?.signal?.addEventListener('abort', () => {
        const error = new Error('aborted');
        error.name = 'AbortError';
        reject(error);
      });
    });
  };

  get open(): number {
    return this.#waiting.length;
  }

  /** Answers the oldest unanswered request. */
  reply(reply: Reply): void {
    const waiter = this.#waiting.shift();
    if (waiter === undefined) throw new Error('no request is waiting for a reply');
    if (reply instanceof Error) {
      waiter.reject(reply);
      return;
    }
    const body = reply.body === undefined ? null : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    waiter.resolve(new Response(body, { status: reply.status }));
  }
}

/** Lets pending promise callbacks (a fetch's .text()) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await Promise.resolve();
  await new Promise((resolve) => setImmediate(resolve));
}

export function fakeEnvironment(timers: ManualTimers, parts: Partial<ClientEnvironment & ClientHooks> = {}): ClientEnvironment & ClientHooks {
  const unused = (): never => {
    throw new Error('not provided in this test');
  };
  return {
    baseUrl: 'http://votewire.test',
    fetch: unused,
    WebSocket: unused as unknown as ClientEnvironment['WebSocket'],
    EventSource: unused as unknown as ClientEnvironment['EventSource'],
    now: () => timers.now,
    setTimeout: timers.setTimeout,
    clearTimeout: timers.clearTimeout,
    ...parts,
  };
}
