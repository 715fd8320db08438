import { ServerFrame, type VoteFrame } from '../contract.ts';
import { decodeJson, ProtocolError } from './decode.ts';
import { ClientLifecycle } from './lifecycle.ts';
import { byteLength, wsUrl } from './runtime.ts';
import type { VoteSender } from './types.ts';

/** WebSocket readyState OPEN, spelled out: `ws` and the browser agree on the number, not on a static. */
const OPEN = 1;

/**
 * One upgraded connection to GET /api/ws. It connects with `?since=<seq>` whenever it holds a cursor
 * (the hand-over from another transport, or its own reconnect), so the server sends exactly the missed
 * events; without a cursor the server's first frame is a snapshot. Any close that we did not ask for
 * (server restart 1001, too slow 4008, network loss 1006) reconnects with backoff and jitter.
 */
export class WebSocketClient extends ClientLifecycle implements VoteSender {
  readonly transport = 'websocket' as const;
  #socket: WebSocket | undefined;

  protected connect(generation: number): void {
    const query = this.seq === undefined ? '' : `?since=${this.seq}`;
    let socket: WebSocket;
    try {
      socket = new this.env.WebSocket(wsUrl(this.env, `/api/ws${query}`));
    } catch (error) {
      this.retryLater(generation, `could not open a WebSocket: ${String(error)}`);
      return;
    }
    this.#socket = socket;
    this.wire({ what: `GET /api/ws${query} (upgrade)`, bytesIn: 0, bytesOut: 0, empty: true, events: 0 });
    socket.onopen = () => {
      // Stryker disable next-line ConditionalExpression: disconnect() detaches this handler whenever a generation ends, and a closed socket does not open
      if (this.isCurrent(generation)) this.markOpen();
    };
    socket.onmessage = (message: MessageEvent) => {
      // Stryker disable next-line ConditionalExpression: disconnect() detaches this handler whenever a generation ends, and a closed socket sends no frame
      if (this.isCurrent(generation)) this.#onFrame(generation, message.data);
    };
    socket.onclose = (close: CloseEvent) => {
      // Stryker disable next-line ConditionalExpression: disconnect() detaches this handler whenever a generation ends, and a socket closes only once
      if (!this.isCurrent(generation)) return;
      this.#socket = undefined;
      const reason = close.reason ? ` ${close.reason}` : '';
      this.wire({ what: 'ws close', bytesIn: 0, bytesOut: 0, empty: true, note: `${close.code}${reason}` });
      this.retryLater(generation, `WebSocket closed (${close.code}${reason})`);
    };
    // An error is always followed by a close, which is where the reconnect happens.
    socket.onerror = () => undefined;
  }

  protected disconnect(): void {
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket === undefined) return;
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    // Closing a socket that is still connecting makes browsers log an error; let it open, then close it.
    if (socket.readyState === 0) socket.onopen = () => socket.close(1000, 'client switched');
    else socket.close(1000, 'client stopped');
  }

  sendVote(candidateId: string, voteId?: string): boolean {
    const socket = this.#socket;
    if (socket?.readyState !== OPEN) return false;
    // Stryker disable next-line ConditionalExpression: JSON.stringify leaves out a voteId that is undefined, so the frame is the same
    const vote: VoteFrame = voteId === undefined ? { type: 'vote', candidateId } : { type: 'vote', candidateId, voteId };
    const frame = JSON.stringify(vote);
    socket.send(frame);
    this.wire({ what: 'ws frame out (vote)', bytesIn: 0, bytesOut: byteLength(frame), empty: false });
    return true;
  }

  #onFrame(generation: number, data: unknown): void {
    const bytesIn = typeof data === 'string' ? byteLength(data) : 0;
    const frame = decodeJson(ServerFrame, data, 'ws frame');
    if (frame instanceof ProtocolError) {
      this.wire({ what: 'ws frame', bytesIn, bytesOut: 0, empty: true, note: frame.problem });
      this.rejectAnswer(generation, frame);
      return;
    }
    switch (frame.type) {
      case 'vote':
        this.wire({ what: 'ws frame (vote)', bytesIn, bytesOut: 0, empty: false, events: 1 });
        this.deliverEvent(frame);
        break;
      case 'snapshot':
        this.wire({ what: 'ws frame (snapshot)', bytesIn, bytesOut: 0, empty: false, events: 0 });
        this.deliverSnapshot(frame);
        break;
      case 'error':
        // The server refused one of our vote frames; the feed itself is fine.
        this.wire({ what: 'ws frame (error)', bytesIn, bytesOut: 0, empty: true, note: `${frame.error}: ${frame.message}` });
        break;
    }
  }
}
