import { Agent, type ClientRequest } from 'node:http';
import type { Socket as NetSocket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import { SubscriberLedger } from '../measure/coherence.ts';
import { browserHeaders } from './browser-headers.ts';
import { SocketCounter } from './socket-counter.ts';
import type { BenchSubscriber, SubscriberCounters } from './subscriber.ts';

export interface SocketIoSubscriberOptions {
  baseUrl: string;
  cookie: string;
}

interface VoteEvent {
  seq: number;
}

/**
 * A subscriber of the Socket.IO polling reference (bench/reference/socketio-polling-server.ts):
 * socket.io-client 4 with `transports: ['polling']`, its own Manager (`forceNew`) and its own
 * keep-alive http.Agent of two connections (Socket.IO polling holds a GET open and sends pongs with
 * POSTs beside it, as a browser tab does over its per-origin connections). socket.io-client in Node
 * sends its requests through xmlhttprequest-ssl, which takes the agent, so the bytes are counted at
 * this subscriber's own sockets like every other subscriber's. The same browser header set and a
 * session cookie as long as the real server's go on every request.
 */
export class SocketIoSubscriber implements BenchSubscriber {
  readonly ledger = new SubscriberLedger('events');
  readonly errors: string[] = [];
  readonly ready: Promise<void>;
  readonly #sockets = new SocketCounter();
  readonly #agent: Agent;
  readonly #socket: Socket;
  #requests = 0;
  #responses = 0;
  #emptyResponses = 0;
  #messageInPoll = false;

  constructor(options: SocketIoSubscriberOptions) {
    const agent = new Agent({ keepAlive: true, maxSockets: 2 });
    // Every socket the agent opens is counted; every request it carries too.
    const internals = agent as unknown as {
      createConnection(options: object, callback?: unknown): NetSocket;
      addRequest(request: ClientRequest, options: object): void;
    };
    const createConnection = internals.createConnection.bind(agent);
    internals.createConnection = (connectOptions, callback) => {
      const socket = createConnection(connectOptions, callback);
      this.#sockets.track(socket);
      return socket;
    };
    const addRequest = internals.addRequest.bind(agent);
    internals.addRequest = (request, requestOptions) => {
      this.#requests++;
      addRequest(request, requestOptions);
    };
    this.#agent = agent;

    const headers: Record<string, string> = { ...browserHeaders(options.baseUrl), cookie: options.cookie };
    this.#socket = io(options.baseUrl, {
      transports: ['polling'],
      forceNew: true,
      autoConnect: false,
      extraHeaders: headers,
      // engine.io-client's types say string | boolean; in Node it is handed to xmlhttprequest-ssl as the http.Agent.
      agent: agent as unknown as string,
    });
    this.ready = new Promise((resolve) => {
      this.#socket.on('snapshot', (snapshot: { seq: number }) => {
        this.ledger.onSnapshot(snapshot.seq, performance.now());
        resolve();
      });
    });
    this.#socket.on('vote', (event: VoteEvent) => this.ledger.onEvent(event.seq, performance.now()));
    this.#socket.on('connect_error', (error) => {
      if (this.errors.length < 5) this.errors.push(`socket.io connect_error: ${error.message}`);
    });
    this.#socket.on('disconnect', (reason) => {
      if (reason !== 'io client disconnect' && this.errors.length < 5) this.errors.push(`socket.io disconnect: ${reason}`);
    });
    // Count poll responses, and those that carried no message (only pings or nothing): "empty".
    const manager = this.#socket.io;
    manager.on('open', () => {
      const engine = manager.engine;
      engine.on('packet', (packet) => {
        if (packet.type === 'message') this.#messageInPoll = true;
      });
      engine.transport.on('pollComplete', () => {
        this.#responses++;
        if (!this.#messageInPoll) this.#emptyResponses++;
        this.#messageInPoll = false;
      });
    });
  }

  start(): void {
    this.#socket.connect();
  }

  counters(): SubscriberCounters {
    const bytes = this.#sockets.totals();
    return { bytesSent: bytes.sent, bytesReceived: bytes.received, requests: this.#requests, responses: this.#responses, emptyResponses: this.#emptyResponses };
  }

  async stop(): Promise<void> {
    this.#socket.disconnect();
    // Let the close packet go out before the connections are torn down.
    await new Promise((resolve) => setTimeout(resolve, 20));
    this.#agent.destroy();
  }
}
