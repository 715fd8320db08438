/**
 * The names web/build.ts gives its bundles (esbuild's `[name]-[hash]`: `app-3KQ2XJ7B.js`, `styles-AB12CD34.css.map`)
 * and their .br/.gz copies. A hashed name never changes content, so the server lets browsers keep these for a year.
 */
export const HASHED_FILE = /^[a-z]+-[A-Z0-9]{8}\.(?:js|css)(?:\.map)?(?:\.br|\.gz)?$/;
