/**
 * A loop's doorbell: `wake()` makes the next (or current) `sleep` return at once, so a fresh event is handled
 * without waiting for the poll; `sleep(ms)` is the polling fallback. A wake that comes while the loop is busy is
 * remembered, so none is lost between "found nothing" and "went to sleep".
 */
import { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF } from '../domain/backoff.js';

export class Wakeup {
  private rung = false;
  private ring: (() => void) | undefined;

  wake(): void {
    this.rung = true;
    this.ring?.();
  }

  async sleep(ms: number): Promise<void> {
    if (!this.rung) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, ms));
        // A polling fallback must not keep a process alive on its own (the HTTP server does while it listens).
        timer.unref();
        this.ring = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.ring = undefined;
    }
    this.rung = false;
  }
}

/**
 * Runs `step` until closed: again at once while it reports more work, otherwise after a wake or `idleMs` (which
 * `step` may shorten by answering a number of milliseconds). Failures are reported and retried after a bounded
 * exponential backoff with jitter (domain/backoff.ts) that wakes do not cut short: while the database is away a
 * loop neither spins nor floods the log, and it comes back on its own (within the backoff's cap) once it returns.
 */
export class Loop {
  private readonly wakeup = new Wakeup();
  private stopped = false;
  private running: Promise<void> | undefined;
  private failures = 0;
  private stopBackoff: (() => void) | undefined;

  constructor(
    private readonly step: () => Promise<'more' | number>,
    private readonly idleMs: number,
    /** Told each failure, how many in a row (1 for the first) and how long the loop now waits. */
    private readonly onError: (err: unknown, failures: number, retryInMs: number) => void,
    private readonly backoff: BackoffPolicy = DEFAULT_BACKOFF,
  ) {}

  start(): void {
    this.running ??= this.run();
  }

  wake(): void {
    this.wakeup.wake();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let wait = this.idleMs;
      try {
        const result = await this.step();
        this.failures = 0;
        if (result === 'more') continue;
        wait = Math.min(result, this.idleMs);
      } catch (err) {
        if (this.stopped) break;
        this.failures += 1;
        const retryInMs = backoffDelay(this.failures, this.backoff);
        this.onError(err, this.failures, retryInMs);
        await this.pause(retryInMs);
        continue;
      }
      if (!this.stopped) await this.wakeup.sleep(wait);
    }
  }

  /** A sleep only `stop` ends: a burst of wakes must not turn a backoff back into a busy retry. */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      timer.unref();
      this.stopBackoff = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => {
      this.stopBackoff = undefined;
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeup.wake();
    this.stopBackoff?.();
    await this.running;
  }
}
