import type { Config } from './config.ts';

/**
 * Startup failures that are the configuration's fault (PORT, HOST), told in words with what to do.
 * The entry point exits with 2 for these, as for any other bad setting; undefined for anything else.
 */
export function explainListenError(error: unknown, config: Pick<Config, 'port' | 'host'>): string | undefined {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const where = `${config.host}:${config.port}`;
  switch (code) {
    case 'EADDRINUSE':
      return `port ${config.port} is already in use on ${config.host} (another server, or an earlier Votewire still running?). Stop it, or pick another port with PORT=<port> or --port <port>`;
    case 'EACCES':
      return `no permission to listen on ${where} (ports below 1024 need privileges). Pick a port from 1024 up with PORT=<port> or --port <port>`;
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return `cannot listen on HOST "${config.host}": it is not an address of this machine. Use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)`;
    default:
      return undefined;
  }
}
