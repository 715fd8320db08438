/**
 * The entry point: configuration from the environment and flags, listen, and a graceful shutdown
 * (503 to new requests, parked polls answered, WebSockets closed with 1001, SSE streams ended, and
 * after SHUTDOWN_GRACE_MS whatever is left cut: see src/http/lifecycle.ts), then exit 0.
 */
import { buildApp } from './app.ts';
import { runPrimary, shouldRunPrimary } from './cluster.ts';
import { HelpRequested, loadConfig, type Config } from './config.ts';
import { createFeed } from './create-feed.ts';
import { explainListenError } from './listen-error.ts';
import { TlsSetupError } from './tls/certificate.ts';

async function main(config: Config): Promise<void> {
  const feed = await createFeed(config);
  const app = await buildApp({ config, feed });
  let stopping = false;

  async function stop(signal: string): Promise<void> {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    // The app cuts every connection left after the grace period; something still hanging past this is a bug.
    const deadlineMs = config.shutdownGraceMs + SHUTDOWN_OVERRUN_MS;
    setTimeout(() => {
      app.log.error(`shutdown still not done ${deadlineMs} ms after ${signal}; exiting anyway`);
      process.exit(1);
    }, deadlineMs).unref();
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
      `Votewire listening on ${address}${config.tls ? ' (HTTP/2 and HTTP/1.1 over TLS)' : ''} with the ${feed.kind} feed (${config.candidates.length} candidates)`,
  });
}

/** How long past the grace period closing the feed (and anything else) may take before the process gives up. */
const SHUTDOWN_OVERRUN_MS = 5000;

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
    // A certificate or key that cannot be used is a bad setting like any other.
    const explained = error instanceof TlsSetupError ? error.message : explainListenError(error, config);
    console.error(`votewire: ${explained ?? (error as Error).message}`);
    process.exit(explained === undefined ? 1 : 2);
  });
}
