import { existsSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions } from 'playwright-core';
import { buildWeb } from '../../web/build.ts';

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

/**
 * Chromium for one test file: the demo is built (the server serves web/dist only if it exists when the app
 * is built) and Chromium launched before the file's first test, and closed after its last. Call at the
 * file's top level; the browser is there once the file's tests run (never when Chromium is missing).
 */
export function chromiumForFile(available: boolean): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    if (!available) return;
    await buildWeb({ minify: false });
    browser = await launchChromium();
    return () => browser?.close();
  });
  return function launchedBrowser(): Browser {
    if (browser === undefined) throw new Error('Chromium is not running: chromiumForFile() launches it before the tests');
    return browser;
  };
}

/**
 * Browser contexts for one suite, 1280 × 900 unless told otherwise, all closed after the suite's tests and
 * before its own teardowns (closing its server, say) run. Call inside the suite's `describe`.
 */
export function contextsForSuite(browser: () => Browser): (options?: BrowserContextOptions) => Promise<BrowserContext> {
  const contexts: BrowserContext[] = [];
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
  });
  return async function newContext(options = {}) {
    const context = await browser().newContext({ viewport: { width: 1280, height: 900 }, ...options });
    contexts.push(context);
    return context;
  };
}
