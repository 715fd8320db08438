import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's package (`apt-get install chromium`); CHROMIUM_PATH points elsewhere if needed. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** `.ci/run` sets this: there a missing browser is a failure, not a skip. */
export const BROWSER_REQUIRED = process.env.VOTEWIRE_REQUIRE_BROWSER === '1';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/** Says loudly why the browser suite will not run, or throws when it must run. */
export function explainMissingBrowser(): void {
  const message =
    `\n${'!'.repeat(78)}\n` +
    `!! Browser suite SKIPPED: no Chromium at ${CHROMIUM_PATH}.\n` +
    `!! Install it with: apt-get update && apt-get install -y chromium\n` +
    `!! (or set CHROMIUM_PATH). Set VOTEWIRE_REQUIRE_BROWSER=1 to make this a failure.\n` +
    `${'!'.repeat(78)}\n`;
  if (BROWSER_REQUIRED) throw new Error(message);
  console.warn(message);
}

/**
 * Headless Chromium. `launch()` gives every run a fresh temporary user-data dir of its own (removed on
 * close) and lets a test open isolated contexts, which is how "a second browser" is simulated.
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}
