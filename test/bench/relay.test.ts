import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { NETWORK_PROFILES, type NetworkProfile } from '../../bench/network/profiles.ts';
import { Relay } from '../../bench/network/relay.ts';
import { waitFor } from '../helpers/wait.ts';

/** A TCP server that echoes every byte back, or (with `greeting`) first writes its name. */
async function startEchoServer(greeting?: string): Promise<{ server: Server; target: string; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (greeting !== undefined) socket.write(greeting);
    socket.pipe(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  return { server, target: `127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`, sockets };
}

/** A client connection through the relay that collects what it reads. */
async function open(relay: Relay): Promise<{ socket: Socket; received: () => Buffer; closed: Promise<unknown> }> {
  const socket = connect({ host: '127.0.0.1', port: relay.port, noDelay: true });
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => undefined);
  // Not events.once: that rejects on the reset a cut or a refusal sends, and a close is what is awaited.
  const closed = new Promise((resolve) => socket.once('close', resolve));
  // A refused connection may be reset before or after it counts as connected: either way it is opened.
  await new Promise((resolve) => {
    socket.once('connect', resolve);
    socket.once('close', resolve);
  });
  return { socket, received: () => Buffer.concat(chunks), closed };
}

const cleanups: (() => Promise<unknown> | undefined)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startRelay(targets: readonly string[], profile: NetworkProfile): Promise<Relay> {
  const relay = await Relay.start({ targets, profile });
  cleanups.push(() => relay.stop());
  return relay;
}

async function echo(greeting?: string): Promise<string> {
  const started = await startEchoServer(greeting);
  cleanups.push(async () => {
    for (const socket of started.sockets) socket.destroy();
    started.server.close();
    await once(started.server, 'close');
  });
  return started.target;
}

describe('the network relay', () => {
  it('delays an echo round trip by at least the profile round trip (half each way)', async () => {
    const profile: NetworkProfile = { name: 'broadband', rttMs: 60, jitterMs: 0 };
    const relay = await startRelay([await echo()], profile);
    const client = await open(relay);
    const sentAt = performance.now();
    client.socket.write('ping');
    await waitFor('the echo', () => client.received().toString() === 'ping');
    expect(performance.now() - sentAt).toBeGreaterThanOrEqual(profile.rttMs);
    client.socket.destroy();
  });

  it('never reorders the bytes of a connection, whatever the jitter', async () => {
    const relay = await startRelay([await echo()], { name: 'mobile', rttMs: 10, jitterMs: 40 });
    const client = await open(relay);
    const count = 300;
    let expected = '';
    for (let i = 0; i < count; i++) {
      const line = `${i}\n`;
      expected += line;
      // Separate writes a few at a time, so they reach the relay as separate chunks with their own jitter.
      client.socket.write(line);
      if (i % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await waitFor('every numbered line back', () => client.received().length >= expected.length, { timeoutMs: 10_000 });
    const numbers = client.received().toString().trim().split('\n').map(Number);
    expect(numbers).toEqual(Array.from({ length: count }, (_, i) => i));
    client.socket.destroy();
  });

  it('holds a capped connection to its bandwidth: 200 kB at 1 MB/s take at least 0.2 s each way', async () => {
    const relay = await startRelay([await echo()], { name: 'mobile', rttMs: 2, jitterMs: 0, bandwidthBytesPerSec: 1_000_000 });
    const client = await open(relay);
    const payload = Buffer.alloc(200_000, 7);
    const sentAt = performance.now();
    // In 20 writes, so the relay sees many chunks whose drain times add up.
    for (let i = 0; i < 20; i++) client.socket.write(payload.subarray(i * 10_000, (i + 1) * 10_000));
    await waitFor('the whole payload back', () => client.received().length === payload.length, { timeoutMs: 10_000 });
    // Client -> server drains in ~0.2 s; the echo's way back overlaps with it, so 0.2 s is the bound.
    expect(performance.now() - sentAt).toBeGreaterThanOrEqual(190);
    expect(client.received().equals(payload)).toBe(true);
    client.socket.destroy();
  });

  it('counts exactly the bytes it relays in each direction', async () => {
    const relay = await startRelay([await echo('hello\n')], NETWORK_PROFILES.lan);
    const client = await open(relay);
    client.socket.write(Buffer.alloc(12_345, 1));
    await waitFor('greeting and echo', () => client.received().length === 6 + 12_345);
    const stats = await relay.stats();
    expect(stats).toMatchObject({ accepted: 1, open: 1, bytesToServer: 12_345, bytesToClient: 6 + 12_345 });
    expect(stats.cpuMs).toBeGreaterThan(0);
    expect(stats.eventLoopUtilization).toBeGreaterThanOrEqual(0);
    expect(stats.eventLoopUtilization).toBeLessThanOrEqual(1);
    client.socket.destroy();
  });

  it('cut() closes every open connection and says how many', async () => {
    const relay = await startRelay([await echo('hi')], NETWORK_PROFILES.lan);
    const clients = await Promise.all([open(relay), open(relay), open(relay)]);
    await waitFor('three connections open', async () => (await relay.stats()).open === 3);
    expect(await relay.cut()).toBe(3);
    await Promise.all(clients.map((c) => c.closed));
    expect(await relay.stats()).toMatchObject({ open: 0, cut: 3 });
  });

  it('cut(share) closes only that share of the connections', async () => {
    const relay = await startRelay([await echo('hi')], NETWORK_PROFILES.lan);
    const clients = await Promise.all([open(relay), open(relay), open(relay), open(relay)]);
    await waitFor('four connections open', async () => (await relay.stats()).open === 4);
    expect(await relay.cut(0.5)).toBe(2);
    await waitFor('two clients closed', () => clients.filter((c) => c.socket.destroyed).length === 2);
    expect((await relay.stats()).open).toBe(2);
    for (const c of clients) c.socket.destroy();
  });

  it('refuse() closes new connections at once for a while, then accepts again', async () => {
    const relay = await startRelay([await echo('welcome')], NETWORK_PROFILES.lan);
    await relay.refuse(400);
    const refused = await open(relay);
    await refused.closed;
    expect(refused.received().length).toBe(0);
    expect((await relay.stats()).refused).toBe(1);
    const accepted = await waitFor(
      'a connection that is answered again',
      async () => {
        const attempt = await open(relay);
        const answered = await Promise.race([
          waitFor('the greeting', () => attempt.received().toString() === 'welcome').then(() => true),
          attempt.closed.then(() => false),
        ]);
        if (!answered) return false;
        return attempt;
      },
      { timeoutMs: 5000 },
    );
    expect((await relay.stats()).accepted).toBe(1);
    accepted.socket.destroy();
  });

  it('spreads new connections over its targets in turn, and setTargets() changes where new ones go', async () => {
    const [a, b, c] = [await echo('A'), await echo('B'), await echo('C')];
    const relay = await startRelay([a, b], NETWORK_PROFILES.lan);
    const greetings: string[] = [];
    for (let i = 0; i < 4; i++) {
      const client = await open(relay);
      greetings.push(await waitFor('the greeting', () => client.received().length > 0 && client.received().toString()));
      client.socket.destroy();
    }
    expect(greetings).toEqual(['A', 'B', 'A', 'B']);
    await relay.setTargets([c]);
    const client = await open(relay);
    expect(await waitFor('the greeting', () => client.received().length > 0 && client.received().toString())).toBe('C');
    client.socket.destroy();
  });

  it('closes the client connection at once when its target refuses', async () => {
    const down = await echo();
    const relay = await startRelay([down], NETWORK_PROFILES.lan);
    // Take the target away: nothing listens there any more.
    await cleanups.splice(cleanups.length - 2, 1)[0]!();
    const client = await open(relay);
    await client.closed;
    expect(client.received().length).toBe(0);
    await waitFor('no connection left open', async () => (await relay.stats()).open === 0);
  });

  it('stop() is idempotent and ends the relay process', async () => {
    const relay = await Relay.start({ targets: [await echo()], profile: NETWORK_PROFILES.lan });
    await Promise.all([relay.stop(), relay.stop()]);
    await expect(relay.stats()).rejects.toThrow(/relay/);
  });
});
