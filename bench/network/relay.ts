import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { NetworkProfile } from './profiles.ts';
import type { RelayCommand, RelayLaunch, RelayMessage, RelayStats } from './relay-protocol.ts';

export type { RelayStats } from './relay-protocol.ts';

const RELAY_SCRIPT = fileURLToPath(new URL('./relay-process.ts', import.meta.url));
const START_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 2000;

/** A command without its id: the handle numbers them. */
type Command = RelayCommand extends infer C ? (C extends { id: number } ? Omit<C, 'id'> : never) : never;

/**
 * The parent's handle on a relay process (relay-process.ts): an emulated network between the bench's
 * clients and the server(s), in a process of its own so that its work does not land in the load
 * generator's event loop, and so that it can be pinned like one.
 */
export class Relay {
  readonly port: number;
  readonly url: string;
  readonly #child: ChildProcess;
  readonly #exited: Promise<unknown>;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  #nextId = 1;
  #stopping: Promise<void> | undefined;

  private constructor(child: ChildProcess, port: number, exited: Promise<unknown>) {
    this.#child = child;
    this.#exited = exited;
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    child.on('message', (message: RelayMessage) => {
      if (message.type !== 'reply') return;
      const pending = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.ok) pending?.resolve(message.result);
      else pending?.reject(new Error(`relay: ${message.error}`));
    });
    void exited.then(() => {
      for (const pending of this.#pending.values()) pending.reject(new Error('relay: the relay process exited'));
      this.#pending.clear();
    });
  }

  /** Starts the relay process listening on 127.0.0.1:<free port>, forwarding to `targets` round robin. */
  static async start(options: { targets: readonly string[]; profile: NetworkProfile; commandPrefix?: readonly string[] }): Promise<Relay> {
    const launch: RelayLaunch = { targets: options.targets, profile: options.profile };
    const argv = [...(options.commandPrefix ?? []), process.execPath, RELAY_SCRIPT, JSON.stringify(launch)];
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    running.add(child);
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-8192)));
    const exited = once(child, 'exit').finally(() => running.delete(child));
    const ready = new Promise<number>((resolve) => {
      const onMessage = (message: RelayMessage): void => {
        if (message.type !== 'ready') return;
        child.off('message', onMessage);
        resolve(message.port);
      };
      child.on('message', onMessage);
    });
    let timer: NodeJS.Timeout | undefined;
    const port = await Promise.race([
      ready,
      exited.then(() => Promise.reject(new Error(`the relay process exited before it listened:\n${stderr}`))),
      new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(new Error(`the relay process did not listen within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS)),
      ),
    ])
      .catch((error: unknown) => {
        child.kill('SIGKILL');
        throw error;
      })
      .finally(() => clearTimeout(timer));
    return new Relay(child, port, exited);
  }

  /** Destroys a share (0..1, default 1 = all) of the open connections at once; resolves with how many. */
  cut(share = 1): Promise<number> {
    return this.#send({ command: 'cut', share }) as Promise<number>;
  }

  /** Refuses (closes at once) new connections for `ms`. */
  async refuse(ms: number): Promise<void> {
    await this.#send({ command: 'refuse', ms });
  }

  /** Replaces the targets new connections go to (round robin); open connections stay where they are. */
  async setTargets(targets: readonly string[]): Promise<void> {
    await this.#send({ command: 'setTargets', targets });
  }

  stats(): Promise<RelayStats> {
    return this.#send({ command: 'stats' }) as Promise<RelayStats>;
  }

  /** Closes every connection and ends the process (SIGKILL if it has not gone within 2 s). Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
      this.#send({ command: 'stop' }).catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      const graceful = await Promise.race([
        this.#exited.then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), STOP_GRACE_MS))),
      ]);
      clearTimeout(timer);
      if (!graceful) this.#child.kill('SIGKILL');
      await this.#exited;
    })();
    return this.#stopping;
  }

  #send(command: Command): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      if (!this.#child.connected) {
        reject(new Error('relay: the relay process is gone'));
        return;
      }
      this.#pending.set(id, { resolve, reject });
      this.#child.send({ ...command, id });
    });
  }
}

/** Relay processes not yet gone, killed when this process exits (also after a failure). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
