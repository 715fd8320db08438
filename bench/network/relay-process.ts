/**
 * The emulated network, as a process of its own: a TCP relay on 127.0.0.1:<free port> that forwards
 * each new connection to the next target (round robin, no stickiness) and delays every chunk in each
 * direction as its profile says (see delayed-pipe.ts). Driven by its parent over the IPC channel
 * (relay.ts); exits when the parent goes away.
 */
import { createServer, connect, type Socket } from 'node:net';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { DelayedPipe, type LinkShape } from './delayed-pipe.ts';
import type { RelayCommand, RelayLaunch, RelayMessage, RelayStats } from './relay-protocol.ts';

interface Relayed {
  client: Socket;
  upstream: Socket;
  pipes: DelayedPipe[];
}

const launch = JSON.parse(process.argv[2] ?? '') as RelayLaunch;
const shape: LinkShape = {
  oneWayMs: launch.profile.rttMs / 2,
  jitterMs: launch.profile.jitterMs,
  ...(launch.profile.bandwidthBytesPerSec === undefined ? {} : { bandwidthBytesPerSec: launch.profile.bandwidthBytesPerSec }),
};
let targets = launch.targets.map(parseTarget);
let nextTarget = 0;
let refusingUntil = 0;
const open = new Set<Relayed>();
const counts = { accepted: 0, refused: 0, cut: 0, bytesToServer: 0, bytesToClient: 0 };
const cpuAtStart = process.cpuUsage();
let eluSince: EventLoopUtilization = performance.eventLoopUtilization();

const server = createServer({ allowHalfOpen: true, noDelay: true }, accept);

function accept(client: Socket): void {
  if (performance.now() < refusingUntil || targets.length === 0) {
    counts.refused++;
    client.resetAndDestroy();
    return;
  }
  counts.accepted++;
  const target = targets[nextTarget++ % targets.length]!;
  const upstream = connect({ ...target, allowHalfOpen: true, noDelay: true });
  const relayed: Relayed = {
    client,
    upstream,
    pipes: [
      new DelayedPipe(client, upstream, shape, (n) => (counts.bytesToServer += n)),
      new DelayedPipe(upstream, client, shape, (n) => (counts.bytesToClient += n)),
    ],
  };
  open.add(relayed);
  let connected = false;
  upstream.once('connect', () => (connected = true));
  // A target that refuses (a server down) closes the client's connection at once, with a reset, so
  // its reconnect logic sees the failure; the round robin has already moved on for the next one.
  upstream.on('error', () => {
    if (connected) {
      destroyBoth(relayed);
      return;
    }
    client.resetAndDestroy();
    forget(relayed);
  });
  client.on('error', () => destroyBoth(relayed));
  // A clean close travels as an end (FIN) through the pipes, behind the bytes before it.
  const closed = (): void => {
    if (client.destroyed && upstream.destroyed) forget(relayed);
  };
  client.on('close', (hadError) => (hadError ? destroyBoth(relayed) : closed()));
  upstream.on('close', (hadError) => (hadError ? destroyBoth(relayed) : closed()));
}

function destroyBoth(relayed: Relayed): void {
  relayed.client.destroy();
  relayed.upstream.destroy();
  forget(relayed);
}

function forget(relayed: Relayed): void {
  for (const pipe of relayed.pipes) pipe.dispose();
  open.delete(relayed);
}

/** Resets a random `share` of the open connections on both sides at once, as a dropped link does. */
function cut(share: number): number {
  const all = [...open];
  const count = Math.round(Math.min(1, Math.max(0, share)) * all.length);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  for (const relayed of all.slice(0, count)) {
    relayed.client.resetAndDestroy();
    relayed.upstream.resetAndDestroy();
    forget(relayed);
  }
  counts.cut += count;
  return count;
}

function stats(): RelayStats {
  const cpu = process.cpuUsage(cpuAtStart);
  const elu = performance.eventLoopUtilization(eluSince);
  eluSince = performance.eventLoopUtilization();
  return { ...counts, open: open.size, cpuMs: (cpu.user + cpu.system) / 1000, eventLoopUtilization: elu.utilization };
}

function parseTarget(text: string): { host: string; port: number } {
  const colon = text.lastIndexOf(':');
  const port = Number(text.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port <= 0) throw new Error(`relay target "${text}" is not host:port`);
  return { host: text.slice(0, colon), port };
}

function run(message: RelayCommand): unknown {
  switch (message.command) {
    case 'cut':
      return cut(message.share);
    case 'refuse':
      refusingUntil = performance.now() + message.ms;
      return null;
    case 'setTargets':
      targets = message.targets.map(parseTarget);
      nextTarget = 0;
      return null;
    case 'stats':
      return stats();
    case 'stop':
      setImmediate(() => {
        for (const relayed of open) destroyBoth(relayed);
        server.close();
        process.exit(0);
      });
      return null;
  }
}

function send(message: RelayMessage): void {
  process.send?.(message);
}

process.on('message', (message: RelayCommand) => {
  try {
    send({ type: 'reply', id: message.id, ok: true, result: run(message) });
  } catch (error) {
    send({ type: 'reply', id: message.id, ok: false, error: (error as Error).message });
  }
});
// Never outlive the bench that started it.
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  send({ type: 'ready', port: typeof address === 'object' && address !== null ? address.port : 0 });
});
