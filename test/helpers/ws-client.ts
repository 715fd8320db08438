import WebSocket, { type ClientOptions } from 'ws';
import { frameText } from '../../bench/load/ws-frame-text.ts';

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
