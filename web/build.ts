/**
 * Builds the browser demo into web/dist/: index.html, app.js (one ES module bundle with the shared
 * client layer from src/client) and app.css. Nothing is loaded from the internet at run time.
 *
 * `npm run build:web` runs this file; the browser tests import `buildWeb()` and call it once before
 * they start Chromium, so they always test what the sources say.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const WEB_DIR = fileURLToPath(new URL('.', import.meta.url));
export const WEB_DIST = fileURLToPath(new URL('./dist/', import.meta.url));

export interface BuildWebOptions {
  /** Minify for `npm start`; the tests keep names readable in stack traces. @default true */
  minify?: boolean;
  /** Print esbuild's warnings and a line per file. @default false */
  verbose?: boolean;
}

export async function buildWeb(options: BuildWebOptions = {}): Promise<void> {
  const minify = options.minify ?? true;
  // Overwrite in place rather than delete first: a server that is running (another test, `npm run dev`)
  // keeps serving a complete demo while this build runs. The file names never change, so nothing goes stale.
  await mkdir(WEB_DIST, { recursive: true });
  const result = await build({
    entryPoints: { app: `${WEB_DIR}src/main.ts`, styles: `${WEB_DIR}src/styles.css` },
    outdir: WEB_DIST,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    // Chromium, Firefox and Safari of the last few years: no transpiling of classes with #private fields.
    target: ['chrome100', 'firefox100', 'safari15'],
    minify,
    sourcemap: 'linked',
    logLevel: options.verbose === true ? 'info' : 'warning',
    metafile: false,
  });
  if (result.errors.length > 0) throw new Error(`web build failed with ${result.errors.length} errors`);
  await copyFile(`${WEB_DIR}index.html`, `${WEB_DIST}index.html`);
}

const invokedDirectly = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (invokedDirectly) {
  buildWeb({ verbose: true }).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
