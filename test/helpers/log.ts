import { Writable } from 'node:stream';

/** One JSON line the server's logger wrote, parsed. */
export interface LogLine {
  level: number;
  msg: string;
  code?: string;
  suppressed?: number;
  err?: unknown;
  /** The line as written, to measure it. */
  text: string;
}

/** Pino's number for `warn`. */
export const WARN = 40;

/** A real pino logger (Fastify's) writing JSON lines into an array the test reads: pass `logger` to startServer. */
export function captureLog(): { lines: LogLine[]; logger: { level: string; stream: Writable } } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const text of chunk.toString().split('\n')) {
        if (text !== '') lines.push({ ...(JSON.parse(text) as Omit<LogLine, 'text'>), text });
      }
      callback();
    },
  });
  return { lines, logger: { level: 'info', stream } };
}
