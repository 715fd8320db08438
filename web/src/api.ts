import type { VoteEvent } from '../../src/feed/types.ts';
import type { MetricsBody, TransportCounters } from '../../src/metrics/metrics-json.ts';
import { now } from './environment.ts';

export interface Session {
  userId: string;
  name: string;
}

export type { TransportCounters };
/** GET /api/metrics as the server defines it. */
export type ServerMetrics = MetricsBody;

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.name = 'ApiError';
  }
}

async function errorFrom(response: Response): Promise<ApiError> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { error?: string; message?: string };
    return new ApiError(response.status, body.error ?? 'http_error', body.message ?? text);
  } catch {
    return new ApiError(response.status, 'http_error', text || response.statusText);
  }
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
  return (await response.json()) as Session;
}

export interface VoteResult {
  event: VoteEvent;
  sentAt: number;
  receivedAt: number;
  /** Bytes of the request and response bodies, for the page's own accounting. */
  bytesOut: number;
  bytesIn: number;
}

/** POST /api/votes once. Throws ApiError for any status but 201. */
export async function postVote(candidateId: string, voteId: string): Promise<VoteResult> {
  const body = JSON.stringify({ candidateId, voteId });
  const sentAt = now();
  const response = await fetch('/api/votes', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  if (response.status !== 201) throw await errorFrom(response);
  const text = await response.text();
  const receivedAt = now();
  const parsed = JSON.parse(text) as { event: VoteEvent };
  return { event: parsed.event, sentAt, receivedAt, bytesOut: body.length, bytesIn: text.length };
}

export async function fetchMetrics(signal?: AbortSignal): Promise<ServerMetrics> {
  const response = await fetch('/api/metrics', signal === undefined ? {} : { signal });
  if (!response.ok) throw await errorFrom(response);
  return (await response.json()) as ServerMetrics;
}
