/**
 * Settings that cannot work stop the real entry point at once with exit code 2 and one line on stderr
 * that says what is wrong and what is expected (no stack, no raw Node error).
 */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEntryPoint } from './run-entry-point.ts';

describe('the entry point refuses unusable settings', { timeout: 30_000 }, () => {
  it.each([
    [{ PORT: '99999' }, 'votewire: PORT must be an integer from 0 to 65535, got "99999"'],
    [{ CANDIDATES: '{"id":"a"}' }, `votewire: CANDIDATES must be a JSON array of {"id","name"} objects, or the path of a file holding one; got '{"id":"a"}'`],
    [{ CANDIDATES: 'not json' }, `votewire: CANDIDATES must be a JSON array of {"id","name"} objects, or the path of a file holding one; got 'not json'`],
    [{ PORT: '0', HOST: '192.0.2.1' }, 'votewire: cannot listen on HOST "192.0.2.1": it is not an address of this machine'],
    [{ TLS: 'maybe' }, 'votewire: TLS must be "on" or "off", got "maybe"'],
    [{ TLS: 'on', TLS_CERT: 'package.json' }, 'votewire: TLS_CERT and TLS_KEY go together'],
    [
      { PORT: '0', TLS: 'on', TLS_CERT: 'package.json', TLS_KEY: 'package.json' },
      'votewire: TLS_CERT "package.json" and TLS_KEY "package.json": the certificate is not a PEM X.509 certificate',
    ],
  ])('exits 2 with a clear message for %o', async (env, message) => {
    const run = await runEntryPoint(env);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toMatch(/ENOENT|ERR_SOCKET_BAD_PORT|\n\s+at /);
  });

  describe('with its port already taken', () => {
    let holder: Server;
    let port: number;
    beforeAll(async () => {
      holder = createServer();
      await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
      port = (holder.address() as { port: number }).port;
    });
    afterAll(async () => {
      await new Promise((resolve) => holder.close(resolve));
    });

    it('exits 2 saying the port is in use and how to pick another', async () => {
      const run = await runEntryPoint({ PORT: String(port) });
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain(`votewire: port ${port} is already in use on 127.0.0.1`);
      expect(run.stderr).toContain('PORT=<port> or --port <port>');
      expect(run.stderr).not.toMatch(/EADDRINUSE/);
    });
  });
});
