import { TRANSPORT_LABELS } from '../../../src/client/registry.ts';
import type { TransportName } from '../../../src/client/types.ts';
import type { CaptureReply, CapturedExchange } from '../../../src/contract.ts';
import { h } from '../dom.ts';
import { formatBytes, formatClock } from '../format.ts';
import {
  bytesOf,
  headerValue,
  lastClientFrame,
  lastServerFrame,
  latestExchange,
  splitHttp,
  sseParts,
  statusOf,
  utf8,
  type HttpMessage,
  type SseBlock,
} from '../models/anatomy.ts';
import { computeAccept, WEBSOCKET_GUID, type AcceptSteps } from '../models/ws-accept.ts';
import { frameView, wireText } from './frame-view.ts';

export interface AnatomyInput {
  transport: TransportName;
  reply: CaptureReply | undefined;
  problem: string | undefined;
}

const heading = (text: string): HTMLElement => h('h3', {}, text);

/** Sizes of the parts of a message, as a small table with row headers. */
function sizes(rows: [string, number, string?][]): HTMLElement {
  return h(
    'table',
    { class: 'sizes' },
    h('caption', {}, 'Sizes at the socket'),
    h(
      'tbody',
      {},
      ...rows.map(([label, bytes, testId]) =>
        h('tr', {}, h('th', { scope: 'row' }, label), h('td', { class: 'mono', 'data-testid': testId }, `${bytes} B (${formatBytes(bytes)})`)),
      ),
    ),
  );
}

/**
 * The Anatomy tab: what this page's transport put on the wire, from the server's capture of this
 * session's own connections (never a template): the last HTTP exchange, or the WebSocket handshake and
 * frames, or the SSE headers and events. Redrawn only when the capture or the transport changed.
 */
export class AnatomyView {
  readonly element: HTMLElement;
  /** "Vote over this WebSocket": while on (and this tab open), votes go as client frames. */
  readonly voteOverSocket: HTMLInputElement;
  readonly #title: HTMLElement;
  readonly #status: HTMLElement;
  readonly #body: HTMLElement;
  readonly #switchRow: HTMLElement;
  readonly #accepts = new Map<string, AcceptSteps | Error>();
  /** The body size of the last 200 to a poll, to say what a 304 saved. */
  #lastPollBodyBytes: number | undefined;
  #drawn = '';
  /** How many accept computations have finished: one more redraws. */
  #acceptsDone = 0;
  #input: AnatomyInput | undefined;

  constructor() {
    this.#title = h('h2', { id: 'anatomy-title' }, 'Anatomy');
    this.#status = h('p', { class: 'hint', 'data-testid': 'anatomy-status', role: 'status' }, 'Asking the server to capture this session’s connections…');
    this.voteOverSocket = h('input', { type: 'checkbox', id: 'vote-over-socket', 'data-testid': 'vote-over-socket' });
    this.#switchRow = h(
      'p',
      { class: 'setting' },
      this.voteOverSocket,
      h('label', { for: 'vote-over-socket' }, 'Vote over this WebSocket'),
      h(
        'span',
        { class: 'hint' },
        ' — while this tab is open, votes are sent as client frames instead of POST /api/votes, so the client-to-server direction shows.',
      ),
    );
    this.#body = h('div', { 'data-testid': 'anatomy-body' });
    this.element = h(
      'section',
      { class: 'card anatomy', 'aria-labelledby': 'anatomy-title' },
      this.#title,
      h(
        'p',
        { class: 'hint' },
        'Real bytes, as they crossed the server’s socket for this session’s own connections only (the server captures them while this tab is open; the sid cookie’s value is masked). Vote to see a new exchange.',
      ),
      this.#status,
      this.#switchRow,
      this.#body,
    );
  }

  render(input: AnatomyInput): void {
    this.#input = input;
    this.#title.textContent = `Anatomy — ${TRANSPORT_LABELS[input.transport]}`;
    this.#switchRow.hidden = input.transport !== 'websocket';
    const exchange =
      input.transport === 'websocket' || input.transport === 'sse'
        ? input.reply?.exchanges.find((e) => e.transport === input.transport)
        : latestExchange(input.reply, input.transport);
    const key = `${input.transport}|${exchange?.id ?? ''}|${JSON.stringify(exchange ?? null).length}|${input.problem ?? ''}|${String(input.reply?.capturing)}|${this.#acceptsDone}`;
    if (key === this.#drawn) return;
    this.#drawn = key;
    if (input.problem !== undefined) this.#status.textContent = `The capture could not be read: ${input.problem}`;
    else if (input.reply === undefined) this.#status.textContent = 'Asking the server to capture this session’s connections…';
    else
      this.#status.textContent = `Capturing (at most ${input.reply.limitBytes} bytes kept for this session; dropped ${input.reply.idleMs / 1000} s after this tab closes).`;
    if (exchange === undefined) {
      this.#body.replaceChildren(
        h(
          'p',
          { class: 'hint', 'data-testid': 'anatomy-empty' },
          `No ${TRANSPORT_LABELS[input.transport]} exchange captured yet: vote, or wait for the next one.`,
        ),
      );
      return;
    }
    const shown = exchange.transport === 'websocket' ? this.#websocket(exchange) : exchange.transport === 'sse' ? this.#sse(exchange) : this.#http(exchange);
    this.#body.replaceChildren(h('p', { class: 'hint' }, `Captured at ${formatClock(exchange.startedAt)} (exchange #${exchange.id}).`), ...shown);
  }

  #http(exchange: CapturedExchange): HTMLElement[] {
    const request = bytesOf(exchange.request);
    const response = splitHttp(bytesOf(exchange.response));
    const parts: HTMLElement[] = [
      heading('Request'),
      sizes([['request line + headers', exchange.request.total, 'anatomy-request-bytes']]),
      wireText(utf8(request), 'anatomy-request', 'Request head'),
    ];
    if (response === undefined) return [...parts, h('p', {}, 'The response head was not captured in full.')];
    const status = statusOf(response.head);
    const bodyBytes = exchange.response.total - response.headBytes;
    if (status === 200 && exchange.transport === 'polling') this.#lastPollBodyBytes = bodyBytes;
    if (status === 304) this.#lastPollBodyBytes ??= this.#capturedPollBodyBytes();
    parts.push(
      heading('Response'),
      sizes([
        ['status line + headers', response.headBytes, 'anatomy-head-bytes'],
        ['body', bodyBytes, 'anatomy-body-bytes'],
        ['in all', exchange.response.total],
      ]),
      wireText(response.head, 'anatomy-response-head', 'Response head'),
    );
    if (bodyBytes > 0) {
      const kept = response.body.length < bodyBytes ? ` (the first ${response.body.length} of ${bodyBytes} bytes were kept)` : '';
      parts.push(h('p', { class: 'payload-label' }, `Body${kept}:`), wireText(utf8(response.body), 'anatomy-response-body', 'Response body'));
    }
    const saved = this.#saved(status, response);
    if (saved !== undefined) parts.push(h('p', { class: 'saved', 'data-testid': 'anatomy-saved' }, saved));
    return parts;
  }

  /** The body size of the newest 200 to a poll still in the capture, if any. */
  #capturedPollBodyBytes(): number | undefined {
    for (const exchange of this.#input?.reply?.exchanges ?? []) {
      const response = exchange.transport === 'polling' ? splitHttp(bytesOf(exchange.response)) : undefined;
      if (response !== undefined && statusOf(response.head) === 200) return exchange.response.total - response.headBytes;
    }
    return undefined;
  }

  #saved(status: number | undefined, response: HttpMessage): string | undefined {
    if (status === 304) {
      const body =
        this.#lastPollBodyBytes === undefined
          ? 'the snapshot a 200 would have repeated'
          : `the ${this.#lastPollBodyBytes}-byte snapshot body the last 200 carried`;
      return `304 Not Modified: the ballot has not changed since the ETag this page sent, so no body — saved ${body}. The answer is its ${response.headBytes}-byte head alone.`;
    }
    if (status === 204) {
      return `204 No Content: the poll was held until it timed out (or a newer poll of this page replaced it) with nothing new — no body, no Content-Type: the answer is its ${response.headBytes}-byte head alone, where a 200 would have added a body and its headers.`;
    }
    return undefined;
  }

  #websocket(exchange: CapturedExchange): HTMLElement[] {
    const response = splitHttp(bytesOf(exchange.response));
    const requestText = utf8(bytesOf(exchange.request));
    const key = headerValue(requestText, 'sec-websocket-key');
    const serverAccept = response === undefined ? undefined : headerValue(response.head, 'sec-websocket-accept');
    const parts: HTMLElement[] = [
      heading('Opening handshake: the upgrade request'),
      sizes([['request line + headers', exchange.request.total]]),
      wireText(requestText, 'anatomy-ws-request', 'Upgrade request'),
      heading('…and the 101 answer'),
      wireText(response?.head ?? '(not captured in full)', 'anatomy-ws-response', 'Upgrade response'),
    ];
    if (key !== undefined) parts.push(heading('Sec-WebSocket-Accept, computed in this page'), this.#acceptTable(key, serverAccept));
    const server = lastServerFrame(exchange);
    parts.push(heading('Last frame from the server'));
    parts.push(server === undefined ? h('p', { class: 'hint' }, 'No text frame captured yet: vote.') : frameView(server, 'anatomy-server-frame'));
    const client = lastClientFrame(exchange);
    parts.push(heading('Last frame from this page'));
    parts.push(
      client === undefined
        ? h('p', { class: 'hint', 'data-testid': 'anatomy-client-none' }, 'None captured yet: turn on “Vote over this WebSocket” and vote.')
        : frameView(client, 'anatomy-client-frame'),
    );
    return parts;
  }

  /** The four steps of RFC 6455 §4.2.2 with this connection's own key, checked against what the server sent. */
  #acceptTable(key: string, serverAccept: string | undefined): HTMLElement {
    const steps = this.#accepts.get(key);
    if (steps === undefined) {
      this.#accepts.set(key, new Error('computing…'));
      computeAccept(key).then(
        (computed) => this.#acceptReady(key, computed),
        (error: unknown) => this.#acceptReady(key, error instanceof Error ? error : new Error(String(error))),
      );
    }
    const done = steps instanceof Error || steps === undefined ? undefined : steps;
    const row = (label: string, value: string, testId: string) =>
      h('tr', {}, h('th', { scope: 'row' }, label), h('td', { class: 'mono', 'data-testid': testId }, value));
    const matches = done !== undefined && serverAccept !== undefined && done.accept === serverAccept;
    return h(
      'table',
      { class: 'accept-steps' },
      h('caption', {}, 'SHA-1 with Web Crypto (crypto.subtle), in this page'),
      h(
        'tbody',
        {},
        row('1. Sec-WebSocket-Key (from the request)', key, 'anatomy-accept-key'),
        row('2. key + GUID', done?.keyWithGuid ?? `${key}${WEBSOCKET_GUID}`, 'anatomy-accept-concat'),
        row('3. SHA-1 of that (hex)', done?.sha1Hex ?? (steps instanceof Error ? steps.message : '…'), 'anatomy-accept-sha1'),
        row('4. base64 of the digest', done?.accept ?? '…', 'anatomy-accept-computed'),
        row('Sec-WebSocket-Accept the server sent', serverAccept ?? '(not captured)', 'anatomy-accept-server'),
        row('check', done === undefined ? '…' : matches ? 'match: the server proved it read this key' : 'MISMATCH', 'anatomy-accept-check'),
      ),
    );
  }

  #acceptReady(key: string, steps: AcceptSteps | Error): void {
    // One per connection seen while the tab was open; a long session keeps only the recent ones.
    if (this.#accepts.size > 50) this.#accepts.clear();
    this.#accepts.set(key, steps);
    this.#acceptsDone += 1;
    if (this.#input !== undefined) this.render(this.#input);
  }

  #sse(exchange: CapturedExchange): HTMLElement[] {
    const response = splitHttp(bytesOf(exchange.response));
    const { event, heartbeat } = sseParts(exchange);
    const parts: HTMLElement[] = [
      heading('Request'),
      wireText(utf8(bytesOf(exchange.request)), 'anatomy-request', 'Request head'),
      heading('Response headers'),
      sizes([['status line + headers', response?.headBytes ?? 0]]),
      wireText(response?.head ?? '(not captured in full)', 'anatomy-response-head', 'Response head'),
      heading('Last event, line by line'),
    ];
    parts.push(event === undefined ? h('p', { class: 'hint' }, 'No event captured yet: vote.') : this.#sseTable(event, 'anatomy-sse-event'));
    parts.push(heading('Last heartbeat'));
    parts.push(
      heartbeat === undefined
        ? h('p', { class: 'hint' }, 'None captured yet: a comment line comes when the stream has been quiet for a while (SSE_HEARTBEAT_MS).')
        : this.#sseTable(heartbeat, 'anatomy-sse-heartbeat'),
    );
    return parts;
  }

  #sseTable(lines: SseBlock, testId: string): HTMLElement {
    const name = (line: string): string => (line.startsWith(':') ? 'comment' : line.includes(':') ? line.slice(0, line.indexOf(':')) : line);
    const meaning: Record<string, string> = {
      id: 'the event id; the browser sends it back as Last-Event-ID when it reconnects',
      event: 'the event type (addEventListener name)',
      data: 'the payload (one data: line per line of text)',
      retry: 'how long the browser waits before reconnecting',
      comment: 'a comment: ignored by the browser, it keeps proxies from closing a quiet stream',
    };
    const encoder = new TextEncoder();
    const rows = [...lines, ''].map((line, i) =>
      h(
        'tr',
        {},
        h('th', { scope: 'row' }, i === lines.length ? 'blank line' : name(line)),
        h('td', { class: 'mono', 'data-testid': `${testId}-line` }, i === lines.length ? '(empty)' : line),
        h('td', { class: 'mono' }, `${encoder.encode(line).length + 1} B`),
        h('td', {}, i === lines.length ? 'ends the event: the browser dispatches it now' : (meaning[name(line)] ?? '')),
      ),
    );
    return h(
      'table',
      { class: 'sse-lines', 'data-testid': testId },
      h('caption', {}, 'Each line with its newline'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'field'),
          h('th', { scope: 'col' }, 'line'),
          h('th', { scope: 'col' }, 'bytes'),
          h('th', { scope: 'col' }, 'meaning'),
        ),
      ),
      h('tbody', {}, ...rows),
    );
  }
}
