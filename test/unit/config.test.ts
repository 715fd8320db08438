import { describe, expect, it } from 'vitest';
import { DEFAULTS, loadConfig } from '../../src/config.ts';

describe('loadConfig', () => {
  it('uses the documented defaults with an empty environment', () => {
    const config = loadConfig({}, []);
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', feed: 'memory', votesPerSecond: 20, longPollTimeoutMs: 25_000 });
    expect(config.candidates).toHaveLength(3);
    expect(config.sessionSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(config.logSize).toBe(DEFAULTS.logSize);
  });

  it('reads environment variables, and flags of the same names win', () => {
    const config = loadConfig(
      { PORT: '4000', VOTES_PER_SECOND: '0', ALLOWED_ORIGINS: 'https://a.example, https://b.example', CANDIDATES: '[{"id":"x","name":"X"}]' },
      ['--port', '5000', '--long-poll-timeout-ms=1000'],
    );
    expect(config.port).toBe(5000);
    expect(config.votesPerSecond).toBe(0);
    expect(config.longPollTimeoutMs).toBe(1000);
    expect(config.allowedOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.candidates).toEqual([{ id: 'x', name: 'X' }]);
  });

  it.each([
    [{ PORT: 'abc' }, /PORT must be an integer/],
    [{ VOTES_PER_SECOND: '-1' }, /VOTES_PER_SECOND must be an integer >= 0/],
    [{ FEED: 'postgres://x' }, /FEED must be "memory" or a redis:\/\/ URL/],
    [{ CANDIDATES: '[oops' }, /CANDIDATES is not valid JSON/],
    [{ WORKERS: '2' }, /needs a shared feed/],
    [{ HEADERS_TIMEOUT_MS: '40000' }, /HEADERS_TIMEOUT_MS \(40000\) must not exceed REQUEST_TIMEOUT_MS \(30000\)/],
    [{ SHUTDOWN_GRACE_MS: '0' }, /SHUTDOWN_GRACE_MS must be an integer >= 1/],
  ])('refuses %o with a message that names the variable', (env, message) => {
    expect(() => loadConfig(env, [])).toThrow(message);
  });

  it('turns the connection cap off with MAX_CONNECTIONS_PER_IP=0 and reads the timeouts', () => {
    const config = loadConfig({ MAX_CONNECTIONS_PER_IP: '0' }, ['--request-timeout-ms', '5000', '--headers-timeout-ms', '2000', '--shutdown-grace-ms', '700']);
    expect(config).toMatchObject({ maxConnectionsPerIp: 0, requestTimeoutMs: 5000, headersTimeoutMs: 2000, shutdownGraceMs: 700 });
    expect(loadConfig({}, [])).toMatchObject({ maxConnectionsPerIp: 256, requestTimeoutMs: 30_000, headersTimeoutMs: 15_000, shutdownGraceMs: 3000 });
  });

  it('refuses an unknown flag', () => {
    expect(() => loadConfig({}, ['--prot', '1'])).toThrow(/Unknown option/);
  });
});
