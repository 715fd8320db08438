export type NetworkProfileName = 'loopback' | 'lan' | 'broadband' | 'mobile';

/** A network the relay emulates between the bench's clients and the server. */
export interface NetworkProfile {
  name: NetworkProfileName;
  /** Round trip the relay adds (half each way). 0 for loopback (no relay at all). */
  rttMs: number;
  /** Extra one-way delay drawn uniformly from [0, jitterMs] per chunk, never reordering bytes of a connection. */
  jitterMs: number;
  /** Per-connection, per-direction cap in bytes/s; undefined = none. */
  bandwidthBytesPerSec?: number;
}

/**
 * The named networks. The numbers are typical, not any one operator's: a wired office LAN, a home
 * DSL/cable/fibre line to a server in the same region, and a 4G phone with a weak signal (1 MB/s
 * = 8 Mbit/s down and up).
 */
export const NETWORK_PROFILES: Readonly<Record<NetworkProfileName, NetworkProfile>> = Object.freeze({
  loopback: { name: 'loopback', rttMs: 0, jitterMs: 0 },
  lan: { name: 'lan', rttMs: 2, jitterMs: 0.2 },
  broadband: { name: 'broadband', rttMs: 40, jitterMs: 5 },
  mobile: { name: 'mobile', rttMs: 150, jitterMs: 30, bandwidthBytesPerSec: 1_000_000 },
});

export const NETWORK_PROFILE_NAMES = Object.keys(NETWORK_PROFILES) as NetworkProfileName[];

export function isNetworkProfileName(name: string): name is NetworkProfileName {
  return Object.hasOwn(NETWORK_PROFILES, name);
}

/** Loopback is the plain connection: no relay process is started for it. */
export function needsRelay(profile: NetworkProfile): boolean {
  return profile.rttMs > 0 || profile.jitterMs > 0 || profile.bandwidthBytesPerSec !== undefined;
}
