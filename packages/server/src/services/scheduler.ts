/**
 * Keyed one-shot timers for the services that act later (ring timeouts, presence grace). Time comes from the
 * injected clock and the timer functions are injectable, so a test can drive both; the default uses the real ones.
 */
import type { Clock } from '../domain/clock.js';

export interface Scheduler {
  /**
   * Runs `task` once at `at` (epoch ms by the clock; a past time runs it on the next turn). Scheduling a key that is
   * already pending replaces it. A failing task is reported to the error handler, never thrown.
   */
  schedule(key: string, at: number, task: () => Promise<void> | void): void;
  cancel(key: string): void;
  /** Cancels everything pending and waits for tasks already running. */
  close(): Promise<void>;
}

export interface TimerFunctions {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: TimerFunctions = {
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class TimerScheduler implements Scheduler {
  private readonly pending = new Map<string, unknown>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly onError: (err: unknown, key: string) => void,
    private readonly timers: TimerFunctions = realTimers,
  ) {}

  schedule(key: string, at: number, task: () => Promise<void> | void): void {
    if (this.closed) return;
    this.cancel(key);
    const delay = Math.max(0, at - this.clock.now().getTime());
    const handle = this.timers.setTimeout(() => {
      this.pending.delete(key);
      const run = (async () => task())().catch((err: unknown) => this.onError(err, key));
      this.running.add(run);
      void run.finally(() => this.running.delete(run));
    }, delay);
    this.pending.set(key, handle);
  }

  cancel(key: string): void {
    const handle = this.pending.get(key);
    if (handle === undefined) return;
    this.timers.clearTimeout(handle);
    this.pending.delete(key);
  }

  get size(): number {
    return this.pending.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const handle of this.pending.values()) this.timers.clearTimeout(handle);
    this.pending.clear();
    await Promise.allSettled([...this.running]);
  }
}
