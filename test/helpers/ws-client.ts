import { onTestFinished } from 'vitest';
import WebSocket, { type ClientOptions } from 'ws';
import type { VoteEvent } from '../../src/feed/types.ts';
import { frameText } from '../../src/transports/ws-frames.ts';
import { waitFor } from './wait.ts';

export interface OpenSocket {
  socket: WebSocket;
  /** Parsed text frames received so far. */
  frames: { type: string; [key: string]: unknown }[];
  closed: Promise<{ code: number; reason: string }>;
}

/** Opens a WebSocket to the server and resolves once it is open, collecting every frame. */
export async function openSocket(url: string, path = '/api/ws', options: ClientOptions = {}): Promise<OpenSocket> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}${path}`, options);
  const frames: OpenSocket['frames'] = [];
  socket.on('message', (data, isBinary) => {
    if (!isBinary) frames.push(JSON.parse(frameText(data)) as OpenSocket['frames'][number]);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response) => reject(new Error(`unexpected response ${response.statusCode}`)));
  });
  return { socket, frames, closed };
}

/**
 * `openSocket` for the running test: terminated when the test finishes. Opened after the test's server, it is
 * terminated before that closes (vitest runs these callbacks last in, first out).
 */
export async function openSocketForTest(url: string, path = '/api/ws', options: ClientOptions = {}): Promise<OpenSocket> {
  const opened = await openSocket(url, path, options);
  onTestFinished(() => opened.socket.terminate());
  return opened;
}

/** The vote frames among `frames` (wire-schemas.test.ts checks that they are VoteEvents). */
export function voteFrames(frames: OpenSocket['frames']): VoteEvent[] {
  return frames.filter((f) => f.type === 'vote') as unknown as VoteEvent[];
}

/** Tries to open a WebSocket and returns the HTTP status it was refused with. */
export async function upgradeStatus(url: string, path: string, options: ClientOptions = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}${path}`, options);
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      response.resume();
      socket.terminate();
    });
    socket.once('open', () => {
      socket.terminate();
      resolve(101);
    });
    socket.once('error', (error) => {
      if (!socket.listenerCount('unexpected-response')) reject(error);
    });
  });
}

export interface VoteFloodOptions {
  /** Votes sent at once before waiting for the fast subscriber to get them. */
  batch: number;
  /** Checked before each batch: true ends the flood. */
  done: () => boolean;
  /** How many votes the subscriber that keeps up has received. */
  delivered: () => number;
  /** Named when the subscriber that keeps up does not. */
  what: string;
}

/**
 * Votes over `voter` in batches until `done()` (or 400,000 votes), waiting after each batch until the
 * subscriber that keeps up has every vote so far. Every voteId is new (a repeated one would count once).
 * Returns how many votes were sent.
 */
export async function floodVotes(voter: WebSocket, { batch, done, delivered, what }: VoteFloodOptions): Promise<number> {
  const padding = 'p'.repeat(56); // with up to 6 digits of the vote's number: within the 64 of a voteId
  let sent = 0;
  while (!done() && sent < 400_000) {
    for (let i = 0; i < batch; i++) voter.send(`{"type":"vote","candidateId":"push","voteId":"${padding}${sent + i}"}`);
    sent += batch;
    const target = sent;
    await waitFor(what, () => delivered() >= target, { timeoutMs: 20_000 });
  }
  return sent;
}
