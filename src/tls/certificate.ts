import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config.ts';

/** A certificate and its private key, PEM-encoded: what the HTTPS server is given. */
export interface TlsMaterial {
  cert: string;
  key: string;
  /** Where it came from, for the startup line: the TLS_CERT file or the self-signed one in TLS_DIR. */
  source: string;
}

/** A certificate and key that cannot be used: the entry point exits 2 with this message, as for any bad setting. */
export class TlsSetupError extends Error {}

export const SELF_SIGNED_CERT_FILE = 'localhost-cert.pem';
export const SELF_SIGNED_KEY_FILE = 'localhost-key.pem';

/** The names the self-signed certificate is good for: the addresses the demo is opened by on this machine. */
const SELF_SIGNED_DNS_NAMES = ['localhost'];
const SELF_SIGNED_IPS = ['127.0.0.1', '::1'];
/** Browsers accept an exception for a self-signed certificate of any length; a year, then a new one is made. */
const SELF_SIGNED_DAYS = 365;
/** A certificate this close to its end is replaced at start, so it does not expire under a running server. */
const RENEW_BEFORE_MS = 24 * 60 * 60 * 1000;

/**
 * TLS_CERT/TLS_KEY when given; otherwise the self-signed certificate in TLS_DIR, made at the first start
 * and kept, so a browser's exception for it survives restarts (a new one only once it nears its end).
 */
export async function loadTlsMaterial(config: Pick<Config, 'tlsCert' | 'tlsKey' | 'tlsDir'>): Promise<TlsMaterial> {
  if (config.tlsCert !== undefined && config.tlsKey !== undefined) {
    const [cert, key] = await Promise.all([readFile(config.tlsCert, 'utf8'), readFile(config.tlsKey, 'utf8')]);
    checkPair(cert, key, `TLS_CERT "${config.tlsCert}" and TLS_KEY "${config.tlsKey}"`);
    return { cert, key, source: config.tlsCert };
  }
  return selfSigned(config.tlsDir);
}

async function selfSigned(dir: string): Promise<TlsMaterial> {
  const certPath = join(dir, SELF_SIGNED_CERT_FILE);
  const keyPath = join(dir, SELF_SIGNED_KEY_FILE);
  const kept = await readKept(certPath, keyPath);
  if (kept !== undefined) return { ...kept, source: certPath };
  const notBeforeDate = new Date();
  // Loaded only when a certificate has to be made: a plain HTTP start does not pay for the X.509 library.
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: 'Votewire localhost (self-signed)' }], {
    // EC P-256: made in milliseconds, and every browser takes it.
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate: new Date(notBeforeDate.getTime() + SELF_SIGNED_DAYS * 24 * 60 * 60 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [...SELF_SIGNED_DNS_NAMES.map((value) => ({ type: 2 as const, value })), ...SELF_SIGNED_IPS.map((ip) => ({ type: 7 as const, ip }))],
      },
    ],
  });
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(keyPath, pems.private, { mode: 0o600 });
    await writeFile(certPath, pems.cert);
  } catch (error) {
    throw new TlsSetupError(
      `cannot keep the self-signed certificate in TLS_DIR "${dir}": ${(error as Error).message}. Pick a writable folder with TLS_DIR=<dir>`,
      {
        cause: error,
      },
    );
  }
  return { cert: pems.cert, key: pems.private, source: certPath };
}

/** The kept certificate and key, unless missing, unreadable, near their end or not for localhost (then a new pair is made). */
async function readKept(certPath: string, keyPath: string): Promise<Omit<TlsMaterial, 'source'> | undefined> {
  let cert: string;
  let key: string;
  try {
    [cert, key] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
  } catch {
    return undefined;
  }
  try {
    const x509 = new X509Certificate(cert);
    if (Date.parse(x509.validTo) - Date.now() < RENEW_BEFORE_MS) return undefined;
    if (x509.checkHost('localhost') === undefined || x509.checkIP('127.0.0.1') === undefined) return undefined;
    if (!x509.checkPrivateKey(createPrivateKey(key))) return undefined;
  } catch {
    return undefined;
  }
  return { cert, key };
}

/** Fails with a message that says which files, and what is wrong with them. */
function checkPair(cert: string, key: string, what: string): void {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (error) {
    throw new TlsSetupError(`${what}: the certificate is not a PEM X.509 certificate (${(error as Error).message})`, { cause: error });
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (error) {
    throw new TlsSetupError(`${what}: the key is not a PEM private key (${(error as Error).message})`, { cause: error });
  }
  if (!x509.checkPrivateKey(privateKey)) throw new TlsSetupError(`${what}: the key does not belong to the certificate`);
  if (Date.parse(x509.validTo) < Date.now()) throw new TlsSetupError(`${what}: the certificate expired on ${x509.validTo}`);
}
