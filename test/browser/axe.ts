import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AxeResults } from 'axe-core';
import type { Page } from 'playwright-core';

/** WCAG 2.1 levels A and AA, and axe's best practices: every rule of those, at any impact. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

const axeSource = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** One violated rule, short enough to read in a failed assertion: which rule, how bad, and where. */
export interface Violation {
  rule: string;
  impact: string;
  help: string;
  targets: string[];
}

/**
 * Runs axe-core in the page as it is now and returns its violations. axe is evaluated through the
 * DevTools protocol, not added as a <script>: the demo's Content-Security-Policy forbids inline scripts,
 * and the check must not need that lifted.
 */
export async function axeViolations(page: Page): Promise<Violation[]> {
  await page.evaluate(await axeSource);
  const results = await page.evaluate(
    (tags) =>
      (window as unknown as { axe: { run: (context: Document, options: object) => Promise<AxeResults> } }).axe.run(document, {
        runOnly: { type: 'tag', values: tags },
        // Only the violations are detailed: every rule still runs, but passes are not described node by node.
        resultTypes: ['violations'],
      }),
    AXE_TAGS,
  );
  return results.violations.map((v) => ({
    rule: v.id,
    impact: v.impact ?? 'unknown',
    help: v.help,
    targets: v.nodes.map((n) => n.target.join(' ')),
  }));
}
