import type { BrowserContext, Page } from 'playwright-core';

/** Console errors and uncaught exceptions of a page: the demo promises none. */
export interface PageProblems {
  errors: string[];
}

export async function openDemo(context: BrowserContext, url: string, query = ''): Promise<{ page: Page; problems: PageProblems }> {
  const page = await context.newPage();
  const problems: PageProblems = { errors: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') problems.errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.errors.push(`pageerror: ${error.message}`));
  await page.goto(`${url}/${query}`);
  return { page, problems };
}

/** Joins with the prefilled guest name (one click) and waits until the live feed is open. */
export async function join(page: Page, name?: string): Promise<void> {
  if (name !== undefined) await page.getByTestId('join-name').fill(name);
  await page.getByTestId('join').click();
  await waitForConnection(page);
}

export async function waitForConnection(page: Page, transport?: string): Promise<void> {
  await page.waitForFunction(
    (expected) => {
      const pill = document.querySelector<HTMLElement>('[data-testid="connection-status"]');
      return pill?.dataset.state === 'open' && (expected === null || pill.dataset.transport === expected);
    },
    transport ?? null,
    { timeout: 10_000 },
  );
}

export async function switchTransport(page: Page, transport: string): Promise<void> {
  await page.getByTestId(`transport-${transport}`).check({ force: true });
  await waitForConnection(page, transport);
}

export async function textOf(page: Page, testId: string): Promise<string> {
  return (await page.getByTestId(testId).textContent()) ?? '';
}

export async function numberOf(page: Page, testId: string): Promise<number> {
  return Number((await textOf(page, testId)).replace(/[^0-9-]/g, ''));
}

/** Waits until the element's text is exactly `expected`; fails with what it last saw. */
export async function waitForText(page: Page, testId: string, expected: string, timeout = 10_000): Promise<void> {
  try {
    await page.waitForFunction(([id, want]) => document.querySelector(`[data-testid="${id}"]`)?.textContent === want, [testId, expected] as const, { timeout });
  } catch (error) {
    throw new Error(`"${testId}" never became "${expected}" (last: "${await textOf(page, testId)}"): ${String(error)}`, { cause: error });
  }
}

/** Waits until the page's cursor (the seq it holds) reaches `seq`. */
export async function waitForSeq(page: Page, seq: number, timeout = 10_000): Promise<void> {
  try {
    await page.waitForFunction((want) => Number(document.querySelector('[data-testid="cursor-seq"]')?.textContent) >= want, seq, { timeout });
  } catch (error) {
    throw new Error(`the page's seq never reached ${seq} (last: ${await textOf(page, 'cursor-seq')}): ${String(error)}`, { cause: error });
  }
}

export async function integrity(page: Page): Promise<{ gaps: number; duplicates: number; resyncs: number }> {
  return {
    gaps: await numberOf(page, 'integrity-gaps'),
    duplicates: await numberOf(page, 'integrity-duplicates'),
    resyncs: await numberOf(page, 'integrity-resyncs'),
  };
}
