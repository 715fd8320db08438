import net from 'node:net';
import { once } from 'node:events';
import { ignore } from './quiet.ts';

export interface RawResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
  /** Everything the server sent, as text. */
  raw: string;
}

/** Parses the first HTTP response in `data`, or returns undefined while it is incomplete. */
export function parseResponse(data: Buffer, bodyless = false): RawResponse | undefined {
  const end = data.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const [statusLine = '', ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const status = Number(statusLine.split(' ')[1]);
  const length = bodyless ? 0 : Number(headers['content-length'] ?? 0);
  const body = data.subarray(end + 4, end + 4 + length);
  if (body.length < length) return undefined;
  return { status, headers, body: body.toString('utf8'), raw: data.toString('latin1') };
}

/** A TCP connection to the server that collects what it receives (for bytes fetch would never send). */
export class RawConnection {
  readonly socket: net.Socket;
  received = Buffer.alloc(0);
  readonly closed: Promise<void>;
  #waiters: (() => void)[] = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    // A reset after the answer is the server closing; the test looks at what arrived before it.
    socket.on('error', ignore);
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        for (const wake of this.#waiters.splice(0)) wake();
        resolve();
      }),
    );
  }

  /** `allowHalfOpen`: a peer that keeps writing after the server ended its side (net's default ends ours too). */
  static async open(url: string, options: { allowHalfOpen?: boolean } = {}): Promise<RawConnection> {
    const { hostname, port } = new URL(url);
    const socket = net.connect({ port: Number(port), host: hostname, allowHalfOpen: options.allowHalfOpen ?? false });
    await once(socket, 'connect');
    return new RawConnection(socket);
  }

  get isClosed(): boolean {
    return this.socket.destroyed;
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Resolves once `check` sees what it waits for in the bytes received, or fails when the socket closes first. */
  async until<T>(check: (received: Buffer) => T | undefined, what: string): Promise<T> {
    for (;;) {
      const value = check(this.received);
      if (value !== undefined) return value;
      if (this.socket.destroyed) throw new Error(`connection closed before ${what}; got ${JSON.stringify(this.received.toString('latin1'))}`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** The first response on this connection, once it has fully arrived. */
  response(bodyless = false): Promise<RawResponse> {
    return this.until((data) => parseResponse(data, bodyless), 'a complete response');
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Sends `request` as is on a new connection and reads one response. */
export async function rawRequest(url: string, request: string | Buffer, options: { bodyless?: boolean } = {}): Promise<RawResponse> {
  const connection = await RawConnection.open(url);
  try {
    connection.write(request);
    return await connection.response(options.bodyless);
  } finally {
    connection.destroy();
  }
}

/** Does a WebSocket upgrade by hand and then reads and answers nothing: a peer that never returns a close frame. */
export async function silentWebSocketPeer(url: string, path = '/api/ws', options: { allowHalfOpen?: boolean } = {}): Promise<RawConnection> {
  const connection = await RawConnection.open(url, options);
  connection.write(
    `GET ${path} HTTP/1.1\r\nHost: ${new URL(url).host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  const response = await connection.until((data) => parseResponse(data, true), 'the upgrade');
  if (response.status !== 101) throw new Error(`upgrade refused: ${response.raw}`);
  return connection;
}
