import { performance } from 'node:perf_hooks';
import cliProgress from 'cli-progress';

/**
 * A progress bar with the current scenario, its phase and the time left (from the plan's estimates,
 * corrected by how long finished steps really took). Without a terminal (CI, pipes) it prints one
 * line per step instead of redrawing.
 */
export class Progress {
  readonly #bar: cliProgress.SingleBar | undefined;
  readonly #totalMs: number;
  #doneMs = 0;
  #stepEstimateMs = 0;
  #stepStartedAt = 0;
  #label = '';
  readonly #startedAt = performance.now();
  #timer: NodeJS.Timeout | undefined;

  constructor(totalEstimateMs: number, stream: NodeJS.WriteStream = process.stderr) {
    this.#totalMs = totalEstimateMs;
    if (stream.isTTY) {
      this.#bar = new cliProgress.SingleBar(
        { format: '{bar} {percentage}% | {label} | {phase} | about {left} left', hideCursor: true, stream, barsize: 30 },
        cliProgress.Presets.shades_classic,
      );
      this.#bar.start(100, 0, { label: 'starting', phase: '', left: format(totalEstimateMs) });
      this.#timer = setInterval(() => this.#render(), 500);
      this.#timer.unref();
    }
  }

  /** A new step (scenario or overhead run) with its estimated duration. */
  step(label: string, estimateMs: number): void {
    this.#stepEstimateMs = estimateMs;
    this.#stepStartedAt = performance.now();
    this.#label = label;
    if (this.#bar === undefined) process.stderr.write(`[bench] ${label} (about ${format(this.#leftMs())} left)\n`);
    this.#render();
  }

  phase(phase: string): void {
    this.#render(phase);
  }

  stepDone(): void {
    this.#doneMs += this.#stepEstimateMs;
    this.#stepEstimateMs = 0;
    this.#render();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#bar?.update(100, { label: 'done', phase: '', left: '0 s' });
    this.#bar?.stop();
  }

  #leftMs(): number {
    const elapsed = performance.now() - this.#startedAt;
    const inStep = Math.min(this.#stepEstimateMs, performance.now() - this.#stepStartedAt);
    const estimatedDone = this.#doneMs + inStep;
    // Scale what is left by how the estimates have held up so far, once there is enough to judge by.
    const pace = estimatedDone > 5000 ? elapsed / estimatedDone : 1;
    return Math.max(0, (this.#totalMs - estimatedDone) * pace);
  }

  #render(phase?: string): void {
    if (this.#bar === undefined) return;
    const inStep = Math.min(this.#stepEstimateMs, performance.now() - this.#stepStartedAt);
    const percent = Math.min(99, Math.floor(((this.#doneMs + inStep) / this.#totalMs) * 100));
    this.#bar.update(percent, { label: this.#label, ...(phase === undefined ? {} : { phase }), left: format(this.#leftMs()) });
  }
}

function format(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds >= 60 ? `${Math.floor(seconds / 60)} min ${seconds % 60} s` : `${seconds} s`;
}
