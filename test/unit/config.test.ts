import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULTS, loadConfig } from '../../src/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'votewire-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

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
    [{ PUBLIC_ORIGIN: 'vote.example.com' }, /PUBLIC_ORIGIN must name origins like https:\/\/vote\.example\.com/],
    [{ PUBLIC_ORIGIN: 'https://vote.example.com/demo' }, /PUBLIC_ORIGIN must name origins/],
    [{ ALLOWED_ORIGINS: 'https://a.example, ftp://b.example' }, /ALLOWED_ORIGINS must name origins .*"ftp:\/\/b\.example"/],
    [{ SESSION_TTL_S: '0' }, /SESSION_TTL_S must be an integer >= 1/],
    [{ HEADERS_TIMEOUT_MS: '40000' }, /HEADERS_TIMEOUT_MS \(40000\) must not exceed REQUEST_TIMEOUT_MS \(30000\)/],
    [{ SHUTDOWN_GRACE_MS: '0' }, /SHUTDOWN_GRACE_MS must be an integer >= 1/],
  ])('refuses %o with a message that names the variable', (env, message) => {
    expect(() => loadConfig(env, [])).toThrow(message);
  });

  it('serves plain HTTP/1.1 unless --tls or TLS=on asks for HTTPS, and needs TLS for TLS_CERT and TLS_KEY', () => {
    expect(loadConfig({}, []).tls).toBe(false);
    expect(loadConfig({}, ['--tls']).tls).toBe(true);
    expect(loadConfig({ TLS: 'on' }, []).tls).toBe(true);
    expect(loadConfig({ TLS: 'off' }, []).tls).toBe(false);
    expect(loadConfig({ TLS: 'on', TLS_CERT: 'package.json', TLS_KEY: 'package.json' }, [])).toMatchObject({ tlsCert: 'package.json', tlsKey: 'package.json' });
    expect(() => loadConfig({ TLS_CERT: 'package.json', TLS_KEY: 'package.json' }, [])).toThrow(/TLS_CERT and TLS_KEY are used with TLS only: add --tls/);
    expect(() => loadConfig({ TLS: 'on', TLS_CERT: 'no-such.pem', TLS_KEY: 'package.json' }, [])).toThrow(/TLS_CERT must be the path of a readable file/);
  });

  it('reads the abuse limits, 0 turning the session and queue limits off', () => {
    expect(loadConfig({}, [])).toMatchObject({ sessionsPerMinutePerIp: 60, longPollQueuesMax: 50_000, sessionTtlS: 86_400 });
    expect(loadConfig({}, []).metricsToken).toBeUndefined();
    const config = loadConfig({ SESSIONS_PER_MINUTE_PER_IP: '0', LONG_POLL_QUEUES_MAX: '0', SESSION_TTL_S: '3600', METRICS_TOKEN: 't0ken' }, []);
    expect(config).toMatchObject({ sessionsPerMinutePerIp: 0, longPollQueuesMax: 0, sessionTtlS: 3600, metricsToken: 't0ken' });
  });

  it('writes PUBLIC_ORIGIN and ALLOWED_ORIGINS the way browsers send Origin', () => {
    const config = loadConfig({ PUBLIC_ORIGIN: 'HTTPS://Vote.Example.com:443/', ALLOWED_ORIGINS: 'http://friend.example:80,http://[::1]:3000' }, []);
    expect(config.publicOrigin).toBe('https://vote.example.com');
    expect(config.allowedOrigins).toEqual(['http://friend.example', 'http://[::1]:3000']);
  });

  it.each([['99999'], ['65536'], ['-1'], ['3000.5']])('refuses PORT=%s, saying the range 0 to 65535', (port) => {
    expect(() => loadConfig({ PORT: port }, [])).toThrow(`PORT must be an integer from 0 to 65535, got "${port}"`);
  });

  it('accepts PORT 0 (any free port) and 65535', () => {
    expect(loadConfig({ PORT: '0' }, []).port).toBe(0);
    expect(loadConfig({}, ['--port', '65535']).port).toBe(65_535);
  });

  it.each([['{"id":"a"}'], ['not json'], ['./no-such-ballot.json']])(
    'refuses CANDIDATES=%s by saying what is expected, not by failing to open it as a file',
    (value) => {
      let message = '';
      try {
        loadConfig({ CANDIDATES: value }, []);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toContain(`CANDIDATES must be a JSON array of {"id","name"} objects, or the path of a file holding one; got '${value}'`);
      expect(message).toContain('neither a JSON array nor an existing file');
      expect(message).not.toMatch(/ENOENT/);
    },
  );

  it('hints at the missing brackets when CANDIDATES is a single object', () => {
    expect(() => loadConfig({ CANDIDATES: '{"id":"a","name":"A"}' }, [])).toThrow('a single candidate still needs the brackets');
  });

  it('reads CANDIDATES from a file, and names the file when its JSON is broken', () => {
    const good = file('ballot.json', '[{"id":"tea","name":"Tea"},{"id":"coffee","name":"Coffee"}]');
    expect(loadConfig({ CANDIDATES: good }, []).candidates).toEqual([
      { id: 'tea', name: 'Tea' },
      { id: 'coffee', name: 'Coffee' },
    ]);
    const broken = file('broken.json', '[{"id":"tea",');
    expect(() => loadConfig({ CANDIDATES: broken }, [])).toThrow(`CANDIDATES file "${broken}" is not valid JSON`);
  });

  it('refuses a directory given as CANDIDATES like any other non-file', () => {
    expect(() => loadConfig({ CANDIDATES: dir }, [])).toThrow('neither a JSON array nor an existing file');
  });

  it('turns the connection cap off with MAX_CONNECTIONS_PER_IP=0 and reads the timeouts', () => {
    const config = loadConfig({ MAX_CONNECTIONS_PER_IP: '0' }, ['--request-timeout-ms', '5000', '--headers-timeout-ms', '2000', '--shutdown-grace-ms', '700']);
    expect(config).toMatchObject({ maxConnectionsPerIp: 0, requestTimeoutMs: 5000, headersTimeoutMs: 2000, shutdownGraceMs: 700 });
    expect(loadConfig({}, [])).toMatchObject({ maxConnectionsPerIp: 256, requestTimeoutMs: 30_000, headersTimeoutMs: 15_000, shutdownGraceMs: 3000 });
  });

  it('reads PUSH_MAX_BUFFERED_BYTES, and its former name WS_MAX_BUFFERED_BYTES only when it is not set', () => {
    expect(loadConfig({}, []).pushMaxBufferedBytes).toBe(1024 * 1024);
    expect(loadConfig({ PUSH_MAX_BUFFERED_BYTES: '65536' }, []).pushMaxBufferedBytes).toBe(65_536);
    expect(loadConfig({}, ['--push-max-buffered-bytes', '4096']).pushMaxBufferedBytes).toBe(4096);
    expect(loadConfig({ WS_MAX_BUFFERED_BYTES: '32768' }, []).pushMaxBufferedBytes).toBe(32_768);
    expect(loadConfig({ WS_MAX_BUFFERED_BYTES: '32768', PUSH_MAX_BUFFERED_BYTES: '65536' }, []).pushMaxBufferedBytes).toBe(65_536);
    expect(() => loadConfig({ WS_MAX_BUFFERED_BYTES: 'lots' }, [])).toThrow(/^WS_MAX_BUFFERED_BYTES must be an integer >= 1, got "lots"$/);
  });

  it('refuses an unknown flag', () => {
    expect(() => loadConfig({}, ['--prot', '1'])).toThrow(/Unknown option/);
  });
});
