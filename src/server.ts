/**
 * The entry point: configuration from the environment and flags, listen, and a graceful shutdown
 * (503 to new requests, parked polls answered, WebSockets closed with 1001, SSE streams ended).
 */
import { buildApp } from './app.ts';
import { runPrimary, shouldRunPrimary } from './cluster.ts';
import { HelpRequested, loadConfig, type Config } from './config.ts';
import { createFeed } from './feed/create-feed.ts';
import { explainListenError } from './listen-error.ts';

async function main(config: Config): Promise<void> {
  const feed = await createFeed(config);
  const app = await buildApp({ config, feed });
  let stopping = false;

  async function stop(signal: string): Promise<void> {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    // A peer that never answers our close frame must not hold the process forever.
    setTimeout(() => {
      app.log.warn(`shutdown took over ${SHUTDOWN_DEADLINE_MS} ms; exiting anyway`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    try {
      await app.close();
      await feed.close();
      process.exit(0);
    } catch (error) {
      app.log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  }
  // `on`, not `once`: Ctrl-C under `npm start` delivers SIGINT twice (from the terminal and forwarded by
  // npm), and a second one with no listener left would kill the process in the middle of its shutdown.
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  // One line says where we listen and on which feed (Fastify would otherwise log its own as well).
  await app.listen({
    port: config.port,
    host: config.host,
    listenTextResolver: (address) =>
      `Votewire listening on ${address} with the ${feed.kind} feed (${config.candidates.length} candidates)`,
  });
}

/** How long a graceful shutdown may take before the process exits regardless. */
const SHUTDOWN_DEADLINE_MS = 10_000;

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof HelpRequested) {
    console.log(error.message);
    process.exit(0);
  }
  console.error(`votewire: ${(error as Error).message}`);
  process.exit(2);
}
if (shouldRunPrimary(config)) {
  // --workers N: this process only forks and supervises (src/cluster.ts); the workers run main().
  runPrimary(config);
} else {
  main(config).catch((error: unknown) => {
    const explained = explainListenError(error, config);
    console.error(`votewire: ${explained ?? (error as Error).message}`);
    process.exit(explained === undefined ? 1 : 2);
  });
}
