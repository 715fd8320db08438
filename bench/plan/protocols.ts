import type { ProtocolName, VariantName } from '../results/types.ts';
import { VARIANTS } from './variants.ts';

/**
 * How the subscribers reach the server: `h1` is the main run's cleartext HTTP/1.1; `h1-tls` is HTTP/1.1
 * over TLS (the server's `--tls`, the client offering http/1.1 only); `h2` is HTTP/2 over TLS, what a
 * browser on an HTTPS site uses. A WebSocket rides an HTTP/1.1 upgrade in both TLS cases (the server
 * does not do RFC 8441), so its TLS row is `h1-tls` alone.
 */
export const PROTOCOL_NAMES = ['h1', 'h1-tls', 'h2'] as const satisfies readonly ProtocolName[];

export const PROTOCOL_LABELS: Readonly<Record<ProtocolName, string>> = { h1: 'HTTP/1.1', 'h1-tls': 'HTTP/1.1 + TLS', h2: 'HTTP/2 + TLS' };

export function isProtocolName(word: string): word is ProtocolName {
  return (PROTOCOL_NAMES as readonly string[]).includes(word);
}

/** The variants of the run measured over `protocol` (beyond the main run): the real server's, WebSocket only over h1-tls. */
export function protocolVariants(protocol: Exclude<ProtocolName, 'h1'>, variants: readonly VariantName[]): VariantName[] {
  return variants.filter((v) => !VARIANTS[v].reference && (protocol === 'h1-tls' || VARIANTS[v].transport !== 'websocket'));
}
