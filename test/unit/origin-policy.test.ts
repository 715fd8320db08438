import { describe, expect, it } from 'vitest';
import { OriginPolicy } from '../../src/http/origin.ts';

const LOOPBACK_AT_3000 = ['http://localhost:3000', 'http://127.0.0.1:3000', 'http://[::1]:3000'];

function policy(host: string, extra: { publicOrigin?: string; allowedOrigins?: string[] } = {}): OriginPolicy {
  return new OriginPolicy({
    host,
    port: 3000,
    allowedOrigins: extra.allowedOrigins ?? [],
    ...(extra.publicOrigin === undefined ? {} : { publicOrigin: extra.publicOrigin }),
  });
}

describe('OriginPolicy', () => {
  it('counts localhost, 127.0.0.1 and [::1] at the port as its own on any loopback HOST', () => {
    for (const host of ['127.0.0.1', 'localhost', '::1', '[::1]']) {
      for (const origin of LOOPBACK_AT_3000) expect(policy(host).allows(origin), `${host} / ${origin}`).toBe(true);
    }
  });

  it('counts only http://HOST:PORT as its own on a specific non-loopback HOST', () => {
    const lan = policy('192.168.1.20');
    expect(lan.origins).toEqual(['http://192.168.1.20:3000']);
    expect(lan.allows('http://localhost:3000')).toBe(false);
    expect(policy('fe80::1').origins).toEqual(['http://[fe80::1]:3000']);
  });

  it('without PUBLIC_ORIGIN on HOST=0.0.0.0 accepts the loopback names only, and says it is guessing', () => {
    const any = policy('0.0.0.0');
    expect(any.origins).toEqual(LOOPBACK_AT_3000);
    expect(any.guessesPublicOrigin).toBe(true);
    expect(policy('0.0.0.0', { publicOrigin: 'http://192.168.1.20:3000' }).guessesPublicOrigin).toBe(false);
  });

  it('uses PUBLIC_ORIGIN instead of http://HOST:PORT, plus ALLOWED_ORIGINS', () => {
    const behindProxy = policy('10.0.0.5', { publicOrigin: 'https://vote.example.com', allowedOrigins: ['https://friend.example'] });
    expect(behindProxy.origins).toEqual(['https://vote.example.com', 'https://friend.example']);
  });

  it('follows the port the server really listens on', () => {
    const listening = policy('127.0.0.1');
    listening.listeningOn(41234);
    expect(listening.allows('http://localhost:41234')).toBe(true);
    expect(listening.allows('http://localhost:3000')).toBe(false);
  });

  it('lets requests without an Origin through (curl, the bench)', () => {
    expect(policy('127.0.0.1').allows(undefined)).toBe(true);
  });
});
