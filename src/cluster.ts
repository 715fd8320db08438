/**
 * `--workers N`: N server processes on one port, with node:cluster. The primary only forks and
 * supervises; the workers run the normal server. The primary accepts connections and hands them to
 * the workers in turn (round-robin), so one client's requests land on different processes, as they
 * would behind a load balancer without sticky sessions. That only works with a shared feed:
 * src/config.ts refuses N > 1 with FEED=memory.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Config } from './config.ts';
import { redactUrl } from './feed/redis-connection.ts';

/** True in the process that should fork workers instead of serving. */
export function shouldRunPrimary(config: Config): boolean {
  return config.workers > 1 && cluster.isPrimary;
}

/** A worker that dies after it served is replaced, but never more often than this. */
const RESTART_DELAY_MS = 1000;

/**
 * Forks `config.workers` workers and keeps them running until SIGINT/SIGTERM.
 *
 * - Every worker gets the same SESSION_SECRET (the configured one, or one made here), so a session
 *   made on one worker is valid on all.
 * - A worker that exits before it ever listened (bad config, Redis unreachable) stops the whole
 *   cluster with its exit code: refork would only fail the same way, forever.
 * - A worker that dies later is replaced; the others keep serving meanwhile.
 */
export function runPrimary(config: Config, log: (message: string) => void = (m) => console.log(m)): void {
  // makeConfig made a random secret when none was configured: hand that one to every worker.
  const env = { SESSION_SECRET: config.sessionSecret };
  const listened = new WeakSet<Worker>();
  let stopping = false;
  let exitCode = 0;

  function fork(): void {
    const worker = cluster.fork(env);
    worker.once('listening', () => listened.add(worker));
  }

  // Node's types say `code: number`, but a worker ended by a signal exits with code null.
  cluster.on('exit', function onWorkerExit(worker: Worker, code: number | null, signal: NodeJS.Signals | null) {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(exitCode);
      return;
    }
    if (!listened.has(worker)) {
      console.error(`votewire: worker ${worker.process.pid} failed at startup (exit ${code ?? signal}); stopping all workers`);
      stop(typeof code === 'number' && code !== 0 ? code : 1);
      return;
    }
    log(`votewire: worker ${worker.process.pid} died (${signal ?? `exit ${code}`}); starting a new one`);
    setTimeout(() => stopping || fork(), RESTART_DELAY_MS).unref();
  });

  function stop(code: number): void {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    if (workers.length === 0) process.exit(exitCode);
    // Each worker shuts down gracefully on SIGTERM (src/server.ts); the primary leaves when the last is gone.
    for (const worker of workers) worker.process.kill('SIGTERM');
  }

  // `on`, not `once`: under `npm start` Ctrl-C arrives twice (terminal and npm); see src/server.ts.
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));

  log(`votewire: starting ${config.workers} workers on port ${config.port} sharing ${redactUrl(config.feed)}`);
  for (let i = 0; i < config.workers; i++) fork();
}
