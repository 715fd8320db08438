import type { FastifyBaseLogger } from 'fastify';

/** At most this many client-fault lines are written per second; the rest are only counted. */
export const CLIENT_FAULT_LINES_PER_SECOND = 10;
const WINDOW_MS = 1000;

export interface ClientFault {
  /** The fault's stable code: Node's (`HPE_INVALID_METHOD`, `ERR_HTTP_REQUEST_TIMEOUT`) or ws's (`WS_ERR_EXPECTED_MASK`). */
  code: string;
  remoteAddress: string | undefined;
}

/**
 * Log lines for faults a client causes (malformed HTTP, a request that timed out, a WebSocket protocol
 * violation). They are a `warn` with the code and message and never a stack: the stack would be ws's or
 * Node's parser's, and says nothing about our code. A client that misbehaves in a loop must not turn each
 * mistake into a kilobyte of log, so beyond CLIENT_FAULT_LINES_PER_SECOND lines in a second the rest are
 * counted, and one line at the end of that second says how many were left out.
 */
export class ClientFaultLog {
  readonly #log: FastifyBaseLogger;
  #windowStart = 0;
  #written = 0;
  #suppressed = 0;
  #report: NodeJS.Timeout | undefined;

  constructor(log: FastifyBaseLogger) {
    this.#log = log;
  }

  warn(fault: ClientFault, message: string): void {
    const now = Date.now();
    if (now - this.#windowStart >= WINDOW_MS) {
      this.#windowStart = now;
      this.#written = 0;
    }
    if (this.#written < CLIENT_FAULT_LINES_PER_SECOND) {
      this.#written++;
      this.#log.warn(fault, message);
      return;
    }
    this.#suppressed++;
    if (this.#report === undefined) {
      this.#report = setTimeout(() => this.#reportSuppressed(), this.#windowStart + WINDOW_MS - now);
      // Stryker disable next-line CallExpression: the report comes within the second either way; unref only spares a process that exits before it
      this.#report.unref();
    }
  }

  #reportSuppressed(): void {
    const suppressed = this.#suppressed;
    this.#suppressed = 0;
    this.#report = undefined;
    this.#log.warn({ suppressed }, `${suppressed} more client faults in the last second were not logged`);
  }
}
