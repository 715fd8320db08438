/** `npm run bench -- [flags]`: measures every transport and writes the report (see docs/bench.md). */
import { parseBenchArgs, USAGE } from './cli/args.ts';
import { runBench } from './run-bench.ts';
import { sanityChecks } from './report/checks.ts';
import { scenarioRows } from './report/derive.ts';
import { writeReport } from './report/write-report.ts';

async function main(): Promise<number> {
  let options;
  try {
    options = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const results = await runBench(options, process.cwd());
  const report = await writeReport(results, options.outRoot);
  process.stdout.write(`\nReport: ${report.html}\n        ${report.markdown}\n        ${report.results}\n`);
  for (const failure of results.failures) process.stderr.write(`\nFAILED ${failure.step}:\n${failure.error}\n`);
  const incoherent = results.scenarios.filter((s) => s.coherence.lost + s.coherence.duplicated + s.coherence.outOfOrder > 0);
  for (const s of incoherent)
    process.stderr.write(
      `Coherence errors in ${s.variant} (${s.clients} subscribers, ${s.rate} votes/s): lost ${s.coherence.lost}, duplicated ${s.coherence.duplicated}, out of order ${s.coherence.outOfOrder}\n`,
    );
  // A missed sanity check describes the machine as much as the code: said, but not a failed run.
  const missed = sanityChecks(scenarioRows(results)).filter((c) => !c.met);
  if (missed.length > 0) process.stderr.write(`Sanity checks missed: ${missed.length} (see the report's "Sanity checks" table)\n`);
  return results.failures.length > 0 ? 1 : 0;
}

// Exit explicitly: undici keeps idle sockets and timers alive a while after the work is done.
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
