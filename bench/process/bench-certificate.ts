import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, getGlobalDispatcher, setGlobalDispatcher } from 'undici';
import { loadTlsMaterial } from '../../src/tls/certificate.ts';

/** The bench's own self-signed certificate, in a folder of its own that the TLS servers are pointed at (TLS_DIR). */
export interface BenchCertificate {
  /** The servers' environment for TLS: HTTPS with HTTP/2 and HTTP/1.1 (ALPN), with this certificate. */
  serverEnv: Record<string, string>;
  /** The certificate, which the bench's clients trust (and no other). */
  ca: string;
}

/**
 * Runs `task` with a certificate made for it (by the server's own code, so the servers find and keep it)
 * and the bench process trusting it: its plain undici requests (sessions, votes, the servers' metrics)
 * go over https:// too while the task runs. Every bench connection is to 127.0.0.1.
 */
export async function withBenchCertificate<T>(task: (certificate: BenchCertificate) => Promise<T>): Promise<T> {
  const tlsDir = await mkdtemp(join(tmpdir(), 'votewire-bench-tls-'));
  const previous = getGlobalDispatcher();
  try {
    const { cert } = await loadTlsMaterial({ tlsDir });
    setGlobalDispatcher(new Agent({ connect: { ca: cert } }));
    return await task({ serverEnv: { TLS: 'on', TLS_DIR: tlsDir }, ca: cert });
  } finally {
    const trusting = getGlobalDispatcher();
    setGlobalDispatcher(previous);
    if (trusting !== previous) await trusting.close();
    await rm(tlsDir, { recursive: true, force: true });
  }
}
