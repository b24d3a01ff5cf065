/**
 * A token bucket for one participant's costly requests (offers): `burst` at once, then one every `refillMs`. Taken
 * on arrival, before anything is parsed, so a refused request costs nothing.
 */
export interface BucketRate {
  burst: number;
  refillMs: number;
}

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly rate: BucketRate,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = rate.burst;
    this.updatedAt = now();
  }

  /** Takes one token; false when there is none left. */
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.rate.burst, this.tokens + (now - this.updatedAt) / this.rate.refillMs);
    this.updatedAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
