/**
 * The wire contract of the vote feed, as TypeBox schemas: what the server sends and what it accepts. The
 * server's routes validate requests with them, the client layer (src/client) checks every answer with
 * them, and the TypeScript types are derived from them, so a type and its check cannot drift apart.
 * docs/protocol.md describes the same protocol for people.
 *
 * What the server sends is open: a client ignores properties it does not know, so the server can add one
 * without breaking older clients. What a client sends is closed: an unknown key is refused, not dropped.
 * The long-poll answer is closed too: it is an envelope with exactly one of two keys.
 *
 * Written with `import * as T` rather than TypeBox's `Type` object: the client layer is bundled into the
 * browser demo, and `Type` brings every builder of TypeBox with it (about 45 KB minified) where the few
 * used here cost about 2 KB.
 */
import * as T from '@sinclair/typebox';

const CLOSED = { additionalProperties: false } as const;

/** A position in the feed: each accepted vote takes the head + 1, starting from 1 (0: no vote yet). */
const Seq = T.Integer({ minimum: 0 });
/** A vote count, never negative. */
const Count = T.Integer({ minimum: 0 });
/** Server time in ms since the epoch, fractional. */
const ServerTime = T.Number();

export const CandidateId = T.String({ minLength: 1, maxLength: 64 });
/** The voter's idempotency key: the same user and voteId again counts once (see docs/protocol.md). */
export const VoteId = T.String({ minLength: 1, maxLength: 64 });

// ---------------------------------------------------------------------------------------------------
// Data: what every transport carries.
// ---------------------------------------------------------------------------------------------------

/** A candidate on the ballot, as configured. */
export const CandidateInfo = T.Object({ id: CandidateId, name: T.String() }, { title: 'CandidateInfo' });
export type CandidateInfo = T.Static<typeof CandidateInfo>;

/** A candidate with its count, as a snapshot lists it. */
export const Candidate = T.Object({ ...CandidateInfo.properties, count: Count }, { title: 'Candidate' });
export type Candidate = T.Static<typeof Candidate>;

/** The whole ballot at `seq`: the candidates in ballot order with their counts. */
export const Snapshot = T.Object(
  {
    type: T.Literal('snapshot'),
    seq: Seq,
    candidates: T.Array(Candidate),
    /** When the snapshot was taken. */
    at: ServerTime,
  },
  { title: 'Snapshot' },
);
export type Snapshot = T.Static<typeof Snapshot>;

/** One accepted vote. */
export const VoteEvent = T.Object(
  {
    type: T.Literal('vote'),
    seq: Seq,
    candidateId: CandidateId,
    /** The candidate's count after this vote. */
    count: Count,
    /** When the vote was accepted. */
    votedAt: ServerTime,
    /** The voter's key, when the vote carried one. */
    voteId: T.Optional(VoteId),
  },
  { title: 'VoteEvent' },
);
export type VoteEvent = T.Static<typeof VoteEvent>;

// ---------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------

/**
 * Every code an error body or an error frame can carry. The union is closed: the server's functions that
 * answer with an error take an `ErrorCode`, so a new code is added here or does not compile.
 */
export const ErrorCode = T.Union(
  [
    // The request is malformed.
    T.Literal('invalid_json'),
    T.Literal('invalid_request'),
    T.Literal('bad_content_length'),
    T.Literal('body_too_large'),
    T.Literal('unsupported_media_type'),
    T.Literal('bad_url'),
    T.Literal('bad_http'),
    T.Literal('headers_too_large'),
    T.Literal('request_timeout'),
    T.Literal('method_not_allowed'),
    T.Literal('upgrade_required'),
    T.Literal('not_found'),
    // Statuses a library (the static files of the demo) answers with; `bad_request` is any other 4xx.
    T.Literal('forbidden'),
    T.Literal('precondition_failed'),
    T.Literal('range_not_satisfiable'),
    T.Literal('uri_too_long'),
    T.Literal('bad_request'),
    // Who is asking.
    T.Literal('no_session'),
    T.Literal('unauthorized'),
    T.Literal('forbidden_origin'),
    // Limits.
    T.Literal('rate_limited'),
    T.Literal('too_many_connections'),
    // The vote.
    T.Literal('unknown_candidate'),
    T.Literal('vote_id_reused'),
    // The server.
    T.Literal('feed_unavailable'),
    T.Literal('shutting_down'),
    T.Literal('internal_error'),
    // A WebSocket frame that is JSON but not a vote.
    T.Literal('invalid_frame'),
  ],
  { title: 'ErrorCode' },
);
export type ErrorCode = T.Static<typeof ErrorCode>;

/** The body of every 4xx and 5xx answer. */
export const ErrorBody = T.Object({ error: ErrorCode, message: T.String() }, { title: 'ErrorBody' });
export type ErrorBody = T.Static<typeof ErrorBody>;

// ---------------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------------

/** POST /api/session's body (an absent body is taken as `{}`: a guest with a made-up name). */
export const SessionRequest = T.Object({ name: T.Optional(T.String({ minLength: 1, maxLength: 40 })) }, { ...CLOSED, title: 'SessionRequest' });
export type SessionRequest = T.Static<typeof SessionRequest>;

/** POST /api/session's 200 answer; the session itself is the signed `sid` cookie. */
export const SessionReply = T.Object({ userId: T.String(), name: T.String() }, { title: 'SessionReply' });
export type SessionReply = T.Static<typeof SessionReply>;

/** What a vote names, over HTTP and over WebSocket alike. */
const voteFields = { candidateId: CandidateId, voteId: T.Optional(VoteId) };

/** POST /api/votes's body. */
export const VoteRequest = T.Object(voteFields, { ...CLOSED, title: 'VoteRequest' });
export type VoteRequest = T.Static<typeof VoteRequest>;

/** POST /api/votes's 201 answer: the vote's event (the original one, for a repeated voteId). */
export const VoteReply = T.Object({ event: VoteEvent }, { title: 'VoteReply' });
export type VoteReply = T.Static<typeof VoteReply>;

/** GET /api/long-poll's 200 answer: the events after `since`, or a snapshot when they cannot be given. */
export const LongPollAnswer = T.Union(
  [
    T.Object({ events: T.Array(VoteEvent) }, { ...CLOSED, title: 'LongPollEvents' }),
    T.Object({ snapshot: Snapshot }, { ...CLOSED, title: 'LongPollSnapshot' }),
  ],
  { title: 'LongPollAnswer' },
);
export type LongPollAnswer = T.Static<typeof LongPollAnswer>;

// GET /api/ballot answers a Snapshot; GET /api/sse sends `snapshot` events holding a Snapshot and `vote`
// events holding a VoteEvent.

// ---------------------------------------------------------------------------------------------------
// WebSocket (/api/ws): text frames of JSON.
// ---------------------------------------------------------------------------------------------------

/** The one frame a client sends: a vote. */
export const VoteFrame = T.Object({ type: T.Literal('vote'), ...voteFields }, { ...CLOSED, title: 'VoteFrame' });
export type VoteFrame = T.Static<typeof VoteFrame>;

/** What the server answers to a frame it refused (an accepted vote gets no reply: its event comes to all). */
export const ErrorFrame = T.Object({ type: T.Literal('error'), error: ErrorCode, message: T.String() }, { title: 'ErrorFrame' });
export type ErrorFrame = T.Static<typeof ErrorFrame>;

/** Every frame the server sends. */
export const ServerFrame = T.Union([Snapshot, VoteEvent, ErrorFrame], { title: 'ServerFrame' });
export type ServerFrame = T.Static<typeof ServerFrame>;

// ---------------------------------------------------------------------------------------------------
// Wire capture (/api/capture): a session's own recent exchanges as they crossed the server's socket.
// ---------------------------------------------------------------------------------------------------

/** The transports whose exchanges are captured. */
export const CapturedTransport = T.Union([T.Literal('polling'), T.Literal('long-polling'), T.Literal('websocket'), T.Literal('sse')], {
  title: 'CapturedTransport',
});
export type CapturedTransport = T.Static<typeof CapturedTransport>;

/** One run of bytes at the socket: its first bytes (base64) and how many crossed in all. */
export const CapturedBytes = T.Object(
  {
    /** When the run began (server time). */
    at: ServerTime,
    /** The first bytes, as they were at the socket (the `sid` cookie's value masked with `*`). */
    base64: T.String(),
    /** Bytes that crossed the socket in this run, kept or not. */
    total: Count,
  },
  { title: 'CapturedBytes' },
);
export type CapturedBytes = T.Static<typeof CapturedBytes>;

/** One request and its answer; for a stream, its opening and its latest runs each way. */
export const CapturedExchange = T.Object(
  {
    id: T.Integer({ minimum: 1 }),
    transport: CapturedTransport,
    startedAt: ServerTime,
    /** The response was written in full (HTTP), or the stream's opening was (WebSocket, SSE). */
    complete: T.Boolean(),
    /** Request line and headers, as the server's parser read them. */
    request: CapturedBytes,
    /** HTTP: status line, headers and body. WebSocket: the 101 and whatever was written with it. SSE: the headers and the opening events. */
    response: CapturedBytes,
    /** Streams: the most recent writes after the opening (one tick's writes per run: a frame, an event, a heartbeat), oldest first. */
    fromServer: T.Array(CapturedBytes),
    /** WebSocket: the most recent reads from the client (its masked frames), oldest first. */
    fromClient: T.Array(CapturedBytes),
  },
  { title: 'CapturedExchange' },
);
export type CapturedExchange = T.Static<typeof CapturedExchange>;

/** POST /api/capture's optional body: nothing to set (yet), so only `{}`. */
export const CaptureRequest = T.Object({}, { ...CLOSED, title: 'CaptureRequest' });

/** GET and POST /api/capture's 200 answer. */
export const CaptureReply = T.Object(
  {
    /** Whether the server is capturing for this session. */
    capturing: T.Boolean(),
    /** Capturing stops, and the capture is dropped, when the session has not read it for this long. */
    idleMs: Count,
    /** The most bytes kept for one session, all exchanges together. */
    limitBytes: Count,
    /** Newest first. */
    exchanges: T.Array(CapturedExchange),
  },
  { title: 'CaptureReply' },
);
export type CaptureReply = T.Static<typeof CaptureReply>;
