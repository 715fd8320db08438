import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { BenchResults } from '../results/types.ts';
import { buildDocument } from './build-document.ts';
import { renderHtml } from './html.ts';
import { renderMarkdown } from './markdown.ts';

export interface WrittenReport {
  dir: string;
  html: string;
  markdown: string;
  results: string;
}

/** "2026-11-25T13-04-05Z": sortable, and valid in every file system. */
export function timestampName(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z').replaceAll(':', '-');
}

/** Writes index.html, report.md and results.json into `dir`. */
export async function writeReportFiles(results: BenchResults, dir: string): Promise<WrittenReport> {
  await mkdir(dir, { recursive: true });
  const doc = await buildDocument(results);
  const written = {
    dir,
    html: join(dir, 'index.html'),
    markdown: join(dir, 'report.md'),
    results: join(dir, 'results.json'),
  };
  await writeFile(written.results, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(written.markdown, renderMarkdown(doc));
  await writeFile(written.html, renderHtml(doc));
  return written;
}

/** Writes a new report folder under `root` and points `root/latest` at it. */
export async function writeReport(results: BenchResults, root: string): Promise<WrittenReport> {
  const dir = resolve(root, timestampName(results.startedAt));
  results.config.outDir = dir;
  const written = await writeReportFiles(results, dir);
  const latest = join(resolve(root), 'latest');
  await rm(latest, { force: true, recursive: false }).catch(() => undefined);
  // A relative link keeps working when the reports folder is moved or copied.
  await symlink(basename(dir), latest);
  return written;
}

export async function readResults(path: string): Promise<BenchResults> {
  const parsed = JSON.parse(await readFile(path, 'utf8')) as { schemaVersion?: unknown };
  if (parsed.schemaVersion !== 1) throw new Error(`${path}: unknown schemaVersion ${String(parsed.schemaVersion)}`);
  return parsed as BenchResults;
}

export const reportDirOf = (resultsPath: string): string => dirname(resolve(resultsPath));
