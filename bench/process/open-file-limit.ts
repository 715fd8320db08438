import { execFileSync } from 'node:child_process';

/**
 * Runs the command after it with its open-file limit raised to the hard limit, where the shell can
 * (`exec` keeps the pid, so a signal still reaches the process). Every socket is a file descriptor:
 * 10,000 subscribers need more than the usual soft limit of 1,024, on both the server's and the
 * load generator's side. Node cannot raise its own limit, so its processes are started this way.
 */
export const RAISED_OPEN_FILE_LIMIT: readonly string[] =
  process.platform === 'win32' ? [] : ['sh', '-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', 'sh'];

/** The open-file limit processes started with RAISED_OPEN_FILE_LIMIT get (the hard limit), or null when unknown. */
export function raisedOpenFileLimit(): number | null {
  if (RAISED_OPEN_FILE_LIMIT.length === 0) return null;
  try {
    const text = execFileSync(RAISED_OPEN_FILE_LIMIT[0]!, [...RAISED_OPEN_FILE_LIMIT.slice(1), 'sh', '-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
    return text === 'unlimited' ? Number.POSITIVE_INFINITY : Number(text);
  } catch {
    return null;
  }
}
