import { decodeJson, ProtocolError } from '../../src/client/decode.ts';
import { ErrorBody, SessionReply, VoteReply, type VoteEvent } from '../../src/contract.ts';
import type { MetricsBody, TransportCounters } from '../../src/metrics/metrics-json.ts';
import { now } from './environment.ts';

/** Who this page votes as (the session itself is the HttpOnly `sid` cookie). */
export type Session = SessionReply;

export type { TransportCounters };
/** GET /api/metrics as the server defines it. */
export type ServerMetrics = MetricsBody;

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** The answer's Retry-After in ms (a 429 or 503 says when to come back), if it gave one in seconds. */
  readonly retryAfterMs: number | undefined;
  constructor(status: number, code: string, message: string, retryAfterMs?: number) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfterMs = retryAfterMs;
    this.name = 'ApiError';
  }
}

/** Retry-After as delay-seconds (the only form this server sends); an HTTP date or garbage is ignored. */
function retryAfterMs(response: Response): number | undefined {
  const value = response.headers.get('retry-after');
  return value !== null && /^[0-9]{1,6}$/.test(value) ? Number(value) * 1000 : undefined;
}

/** The server's ErrorBody as an ApiError; an answer that is not one (a proxy's page) gets the code `http_error`. */
async function errorFrom(response: Response): Promise<ApiError> {
  const text = await response.text();
  const body = decodeJson(ErrorBody, text, 'error answer');
  if (body instanceof ProtocolError) return new ApiError(response.status, 'http_error', text || response.statusText, retryAfterMs(response));
  return new ApiError(response.status, body.error, body.message, retryAfterMs(response));
}

/** POST /api/session: sets the signed `sid` cookie (HttpOnly: the page never sees it). */
export async function joinSession(name: string): Promise<Session> {
  const trimmed = name.trim().slice(0, 40);
  const response = await fetch('/api/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(trimmed.length > 0 ? { name: trimmed } : {}),
  });
  if (!response.ok) throw await errorFrom(response);
  const session = decodeJson(SessionReply, await response.text(), 'POST /api/session');
  if (session instanceof ProtocolError) throw session;
  return session;
}

export interface VoteResult {
  event: VoteEvent;
  sentAt: number;
  receivedAt: number;
  /** Bytes of the request and response bodies, for the page's own accounting. */
  bytesOut: number;
  bytesIn: number;
}

/** POST /api/votes once. Throws ApiError for any status but 201, ProtocolError for a 201 without a VoteReply. */
export async function postVote(candidateId: string, voteId: string): Promise<VoteResult> {
  const body = JSON.stringify({ candidateId, voteId });
  const sentAt = now();
  const response = await fetch('/api/votes', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  if (response.status !== 201) throw await errorFrom(response);
  const text = await response.text();
  const receivedAt = now();
  const reply = decodeJson(VoteReply, text, 'POST /api/votes');
  if (reply instanceof ProtocolError) throw reply;
  return { event: reply.event, sentAt, receivedAt, bytesOut: body.length, bytesIn: text.length };
}

export async function fetchMetrics(signal?: AbortSignal): Promise<ServerMetrics> {
  const response = await fetch('/api/metrics', signal === undefined ? {} : { signal });
  if (!response.ok) throw await errorFrom(response);
  return (await response.json()) as ServerMetrics;
}
