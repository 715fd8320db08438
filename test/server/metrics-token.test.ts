import { describe, expect, it } from 'vitest';
import { startServerForTest } from '../helpers/server.ts';

describe('the METRICS_TOKEN bearer token', () => {
  it('is accepted with the scheme in any case and spaces or tabs around the token, as RFC 7235 allows', async () => {
    const server = await startServerForTest({ metricsToken: 's3cret-token' });
    for (const authorization of ['bearer s3cret-token', 'BEARER   s3cret-token', 'Bearer\ts3cret-token \t']) {
      const response = await fetch(`${server.url}/api/metrics`, { headers: { authorization } });
      expect(response.status, JSON.stringify(authorization)).toBe(200);
    }
    // Only spaces and tabs may follow the token: anything else (a non-breaking space too) makes it another token.
    for (const authorization of [
      'Bearer',
      'Bearer ',
      'Bearers3cret-token',
      'xBearer s3cret-token',
      'Bearer s3cret token',
      'Bearer s3cret-token x',
      'Bearer s3cret-token\u00a0',
    ]) {
      const response = await fetch(`${server.url}/api/metrics`, { headers: { authorization } });
      expect(response.status, JSON.stringify(authorization)).toBe(401);
    }
  });
});
