import { mkdtempSync, readFileSync } from 'node:fs';
import { connect as http2Connect, constants as http2Constants, type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { Agent, request as httpsRequest } from 'node:https';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import type { Config } from '../../src/config.ts';
import { SELF_SIGNED_CERT_FILE } from '../../src/tls/certificate.ts';

/**
 * The settings of a TLS test server: a self-signed certificate made once for the test file in its own
 * folder (the first server makes it, the others find it), and the certificate clients trust it by.
 */
export function tlsTestSettings(): { overrides: Partial<Config>; ca: () => string } {
  const tlsDir = mkdtempSync(join(tmpdir(), 'votewire-tls-'));
  return { overrides: { tls: true, tlsDir }, ca: () => readFileSync(join(tlsDir, SELF_SIGNED_CERT_FILE), 'utf8') };
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What a test sends and reads over one connection, whichever HTTP version it speaks. */
export interface TlsConnection {
  readonly protocol: 'h2' | 'http/1.1';
  /** The TCP socket under TLS, as the client sees it: its byte counts are what crossed the wire. */
  readonly tcp: Socket;
  request(method: string, path: string, headers?: OutgoingHttpHeaders, body?: string): Promise<Answer>;
  /** A response that stays open: its status, headers and the text so far; `ended` once the server ends it. */
  stream(path: string, headers?: OutgoingHttpHeaders): Promise<OpenStream>;
  close(): Promise<void>;
}

export interface OpenStream {
  status: number;
  headers: IncomingHttpHeaders;
  text(): string;
  ended: Promise<void>;
  /** The client goes away: cancels the stream (HTTP/2) or closes the response's connection (HTTP/1.1). */
  cancel(): void;
}

/** A TCP socket of our own under TLS, so the test can read the bytes that crossed the wire. */
function connectTls(url: URL, ca: string, alpn: string): { tcp: Socket; tls: ReturnType<typeof tlsConnect> } {
  const tcp = netConnect(Number(url.port), url.hostname);
  const tls = tlsConnect({ socket: tcp, ca, servername: 'localhost', ALPNProtocols: [alpn] });
  return { tcp, tls };
}

/** One HTTP/2 session (one TCP connection) to the server, closed when the test finishes. */
export async function openH2(base: string, ca: string): Promise<TlsConnection & { session: ClientHttp2Session }> {
  const url = new URL(base);
  let tcp: Socket | undefined;
  const session = http2Connect(base, {
    createConnection: () => {
      const made = connectTls(url, ca, 'h2');
      tcp = made.tcp;
      return made.tls;
    },
  });
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => resolve());
    session.once('error', reject);
  });
  session.on('error', () => {
    // A session the server cut (at the end of a shutdown test) has nobody to tell.
  });
  onTestFinished(() => {
    session.destroy();
  });
  const open = (method: string, path: string, headers: OutgoingHttpHeaders, body?: string) => {
    const stream = session.request({ ':method': method, ':path': path, ...headers }, { endStream: body === undefined });
    if (body !== undefined) stream.end(body);
    return stream;
  };
  return {
    protocol: 'h2',
    session,
    get tcp() {
      return tcp!;
    },
    request(method, path, headers = {}, body) {
      return new Promise((resolve, reject) => {
        const stream = open(method, path, headers, body);
        let status = 0;
        let responseHeaders: IncomingHttpHeaders = {};
        let text = '';
        stream.on('response', (h) => {
          status = Number(h[':status']);
          responseHeaders = h;
        });
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => (text += chunk));
        stream.on('end', () => resolve({ status, headers: responseHeaders, body: text }));
        stream.on('error', reject);
      });
    },
    stream(path, headers = {}) {
      return new Promise((resolve, reject) => {
        const stream = open('GET', path, headers);
        let text = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => (text += chunk));
        const ended = new Promise<void>((done) => stream.once('close', done));
        stream.once('response', (h) =>
          resolve({
            status: Number(h[':status']),
            headers: h,
            text: () => text,
            ended,
            cancel: () => stream.close(http2Constants.NGHTTP2_CANCEL),
          }),
        );
        stream.once('error', reject);
      });
    },
    close() {
      return new Promise((resolve) => session.close(() => resolve()));
    },
  };
}

/** One HTTPS HTTP/1.1 keep-alive connection to the server (an agent with one socket), closed when the test finishes. */
export function openHttps1(base: string, ca: string): TlsConnection {
  const url = new URL(base);
  let tcp: Socket | undefined;
  const agent = new Agent({ keepAlive: true, maxSockets: 1, ca });
  // The agent makes its socket through us, so the test holds the TCP socket under it.
  agent.createConnection = () => {
    const made = connectTls(url, ca, 'http/1.1');
    tcp = made.tcp;
    return made.tls;
  };
  onTestFinished(() => agent.destroy());
  const send = (method: string, path: string, headers: OutgoingHttpHeaders, body?: string) =>
    new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const req = httpsRequest({ agent, host: url.hostname, port: url.port, method, path, headers: headers as Record<string, string> }, resolve);
      req.on('error', reject);
      req.end(body);
    });
  return {
    protocol: 'http/1.1',
    get tcp() {
      return tcp!;
    },
    async request(method, path, headers = {}, body) {
      const response = await send(method, path, headers, body);
      response.setEncoding('utf8');
      let text = '';
      for await (const chunk of response) text += chunk as string;
      return { status: response.statusCode ?? 0, headers: response.headers, body: text };
    },
    async stream(path, headers = {}) {
      const response = await send('GET', path, headers);
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      const ended = new Promise<void>((done) => response.once('close', done));
      return {
        status: response.statusCode ?? 0,
        headers: response.headers,
        text: () => text,
        ended,
        cancel: () => response.destroy(),
      };
    },
    async close() {
      agent.destroy();
    },
  };
}
