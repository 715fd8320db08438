import type { NetworkProfile } from './profiles.ts';

/** What the relay process is started with (its one command-line argument, as JSON). */
export interface RelayLaunch {
  targets: readonly string[];
  profile: NetworkProfile;
}

export interface RelayStats {
  /** Connections accepted since start. */
  accepted: number;
  /** Connections refused while refusing. */
  refused: number;
  /** Connections open now. */
  open: number;
  /** Connections cut by cut(). */
  cut: number;
  /** Bytes relayed client -> server. */
  bytesToServer: number;
  /** Bytes relayed server -> client. */
  bytesToClient: number;
  /** Relay process CPU (user+system) since start. */
  cpuMs: number;
  /** 0..1 since the last stats() call (or start). */
  eventLoopUtilization: number;
}

/** Parent -> relay, over the IPC channel. */
export type RelayCommand =
  | { id: number; command: 'cut'; share: number }
  | { id: number; command: 'refuse'; ms: number }
  | { id: number; command: 'setTargets'; targets: readonly string[] }
  | { id: number; command: 'stats' }
  | { id: number; command: 'stop' };

/** Relay -> parent: once `ready`, then one reply per command. */
export type RelayMessage =
  { type: 'ready'; port: number } | { type: 'reply'; id: number; ok: true; result: unknown } | { type: 'reply'; id: number; ok: false; error: string };
