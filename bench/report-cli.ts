/** `npm run report -- <results.json> [--out DIR]`: renders index.html and report.md again from raw results. */
import { parseArgs } from 'node:util';
import { readResults, reportDirOf, writeReportFiles } from './report/write-report.ts';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: { out: { type: 'string' }, help: { type: 'boolean' } },
  });
  const path = positionals[0];
  if (values.help === true || path === undefined) {
    process.stdout.write('Usage: npm run report -- <results.json> [--out DIR]   (default DIR: the folder of results.json)\n');
    return path === undefined && values.help !== true ? 2 : 0;
  }
  const results = await readResults(path);
  const written = await writeReportFiles(results, values.out ?? reportDirOf(path));
  process.stdout.write(`Report: ${written.html}\n        ${written.markdown}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
