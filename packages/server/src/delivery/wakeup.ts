/**
 * A loop's doorbell: `wake()` makes the next (or current) `sleep` return at once, so a fresh event is handled
 * without waiting for the poll; `sleep(ms)` is the polling fallback. A wake that comes while the loop is busy is
 * remembered, so none is lost between "found nothing" and "went to sleep".
 */
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
 * `step` may shorten by answering a number of milliseconds). Failures are reported and retried after `idleMs`.
 */
export class Loop {
  private readonly wakeup = new Wakeup();
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(
    private readonly step: () => Promise<'more' | number>,
    private readonly idleMs: number,
    private readonly onError: (err: unknown) => void,
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
        if (result === 'more') continue;
        wait = Math.min(result, this.idleMs);
      } catch (err) {
        if (this.stopped) break;
        this.onError(err);
      }
      if (!this.stopped) await this.wakeup.sleep(wait);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeup.wake();
    await this.running;
  }
}
