/**
 * Builds the browser demo into web/dist/: index.html, app-<hash>.js (one ES module bundle with the shared
 * client layer from src/client) and styles-<hash>.css, each with a brotli (.br) and a gzip (.gz) copy that
 * the server hands to browsers which accept them. Nothing is loaded from the internet at run time.
 *
 * The bundle's names carry a hash of their content, so the server can let browsers keep them for a year
 * (`immutable`); index.html, rewritten here to name them, is the one file that revalidates.
 *
 * `npm run build:web` runs this file; the browser tests import `buildWeb()` and call it once before
 * they start Chromium, so they always test what the sources say.
 */
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import { build } from 'esbuild';
import { HASHED_FILE } from '../src/http/hashed-files.ts';

const WEB_DIR = fileURLToPath(new URL('.', import.meta.url));
export const WEB_DIST = fileURLToPath(new URL('./dist/', import.meta.url));

/** What is worth compressing: text. Brotli at its best level, gzip for the browsers and tools without it. */
const COMPRESSIBLE = /\.(?:html|js|css|map)$/;
const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);

export interface BuildWebOptions {
  /** Minify for `npm start`; the tests keep names readable in stack traces. @default true */
  minify?: boolean;
  /** Print esbuild's warnings and a line per file. @default false */
  verbose?: boolean;
}

export async function buildWeb(options: BuildWebOptions = {}): Promise<void> {
  const minify = options.minify ?? true;
  // Build into a staging directory, then move each finished file into place with rename (atomic): a server
  // that is running (another test, `npm run dev`) keeps serving a complete demo while this runs, and two
  // builds at once (two test files) never leave a half-written file behind.
  await mkdir(WEB_DIST, { recursive: true });
  const staging = await mkdtemp(`${WEB_DIR}.dist-staging-`);
  try {
    const result = await build({
      entryPoints: { app: `${WEB_DIR}src/main.ts`, styles: `${WEB_DIR}src/styles.css` },
      outdir: staging,
      entryNames: '[name]-[hash]',
      bundle: true,
      format: 'esm',
      platform: 'browser',
      // Chromium, Firefox and Safari of the last few years: no transpiling of classes with #private fields.
      target: ['chrome100', 'firefox100', 'safari15'],
      minify,
      sourcemap: 'linked',
      logLevel: options.verbose === true ? 'info' : 'warning',
      metafile: true,
    });
    if (result.errors.length > 0) throw new Error(`web build failed with ${result.errors.length} errors`);
    const outputs = Object.keys(result.metafile.outputs).map((path) => basename(path));
    const html = rewriteHtml(await readFile(`${WEB_DIR}index.html`, 'utf8'), outputs);
    await writeFile(`${staging}/index.html`, html);
    const built = [...outputs, 'index.html'];
    for (const name of built) {
      if (!COMPRESSIBLE.test(name)) continue;
      const bytes = await readFile(`${staging}/${name}`);
      await writeFile(`${staging}/${name}.br`, await brotli(bytes, { params: { [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY } }));
      await writeFile(`${staging}/${name}.gz`, await gzipped(bytes, { level: zlib.Z_BEST_COMPRESSION }));
    }
    // index.html (and its compressed copies) last: by the time it names the new bundle, the bundle is there.
    const staged = await readdir(staging);
    const last = (name: string) => (name.startsWith('index.html') ? 1 : 0);
    for (const name of staged.sort((a, b) => last(a) - last(b))) await rename(`${staging}/${name}`, `${WEB_DIST}${name}`);
    await removeStaleBundles(new Set(staged));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Points index.html's `app.js` and `styles.css` at this build's hashed files; fails loudly if a reference is missing. */
function rewriteHtml(html: string, outputs: readonly string[]): string {
  let rewritten = html;
  for (const [plain, entry, extension] of [
    ['app.js', 'app', 'js'],
    ['styles.css', 'styles', 'css'],
  ] as const) {
    const hashed = outputs.find((name) => name.startsWith(`${entry}-`) && name.endsWith(`.${extension}`));
    const reference = new RegExp(`(src|href)="${plain.replace('.', '\\.')}"`);
    if (hashed === undefined || !reference.test(rewritten))
      throw new Error(`web build: index.html does not reference ${plain}, or esbuild wrote no ${entry} bundle`);
    rewritten = rewritten.replace(reference, `$1="${hashed}"`);
  }
  return rewritten;
}

/**
 * Bundles of earlier builds (other hashes) would pile up in web/dist with every change to the sources.
 * A page still open on an older index.html reloads to the new one; nothing else names them.
 */
async function removeStaleBundles(current: ReadonlySet<string>): Promise<void> {
  for (const name of await readdir(WEB_DIST)) {
    if (HASHED_FILE.test(name) && !current.has(name)) await rm(`${WEB_DIST}${name}`, { force: true });
  }
}

const invokedDirectly = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (invokedDirectly) {
  buildWeb({ verbose: true }).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
