import { X509Certificate } from 'node:crypto';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTlsMaterial, SELF_SIGNED_CERT_FILE, SELF_SIGNED_KEY_FILE } from '../../src/tls/certificate.ts';

describe('the TLS certificate', () => {
  it('is made self-signed for localhost and 127.0.0.1 at first start, and the same one is kept for the next', async () => {
    const tlsDir = join(mkdtempSync(join(tmpdir(), 'votewire-cert-')), '.certs');
    const first = await loadTlsMaterial({ tlsDir });
    const x509 = new X509Certificate(first.cert);
    expect(x509.checkHost('localhost')).toBe('localhost');
    expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(first.source).toBe(join(tlsDir, SELF_SIGNED_CERT_FILE));
    // The private key is readable by its owner only.
    expect(statSync(join(tlsDir, SELF_SIGNED_KEY_FILE)).mode & 0o077).toBe(0);
    const second = await loadTlsMaterial({ tlsDir });
    expect(second.cert).toBe(first.cert);
    expect(second.key).toBe(first.key);
  });

  it('is made anew when the kept files do not hold a usable pair', async () => {
    const tlsDir = mkdtempSync(join(tmpdir(), 'votewire-cert-'));
    writeFileSync(join(tlsDir, SELF_SIGNED_CERT_FILE), 'not a certificate');
    writeFileSync(join(tlsDir, SELF_SIGNED_KEY_FILE), 'not a key');
    const made = await loadTlsMaterial({ tlsDir });
    expect(new X509Certificate(made.cert).checkHost('localhost')).toBe('localhost');
  });

  it('is read from TLS_CERT and TLS_KEY when given, and refused with the file names when the key is not its own', async () => {
    const a = await loadTlsMaterial({ tlsDir: mkdtempSync(join(tmpdir(), 'votewire-cert-')) });
    const b = await loadTlsMaterial({ tlsDir: mkdtempSync(join(tmpdir(), 'votewire-cert-')) });
    const given = await loadTlsMaterial({ tlsCert: a.source, tlsKey: a.source.replace(SELF_SIGNED_CERT_FILE, SELF_SIGNED_KEY_FILE), tlsDir: '/nonexistent' });
    expect(given.cert).toBe(a.cert);
    const otherKey = b.source.replace(SELF_SIGNED_CERT_FILE, SELF_SIGNED_KEY_FILE);
    await expect(loadTlsMaterial({ tlsCert: a.source, tlsKey: otherKey, tlsDir: '/nonexistent' })).rejects.toThrow(
      `TLS_CERT "${a.source}" and TLS_KEY "${otherKey}": the key does not belong to the certificate`,
    );
  });
});
