/** The verdict for one call: allowed or not, and what the X-RateLimit-* headers should say. */
export interface RateLimitVerdict {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Unix seconds when a call will be allowed again (or the window fully resets). */
  resetAt: number;
  retryAfterSeconds: number;
}

interface Window {
  limit: number;
  lengthMs: number;
}

/**
 * Per-key sliding windows (Cursor's repositories limit is 1/minute and 30/hour). Keeps only the call
 * times still inside the longest window.
 */
export class SlidingWindowLimiter {
  private readonly calls = new Map<string, number[]>();
  private readonly windows: Window[];

  constructor(windows: Window[]) {
    this.windows = windows.filter((w) => w.limit > 0);
  }

  check(key: string, now = Date.now()): RateLimitVerdict {
    const longest = Math.max(0, ...this.windows.map((w) => w.lengthMs));
    const calls = (this.calls.get(key) ?? []).filter((at) => now - at < longest);
    let blockedUntil = 0;
    let tightest: RateLimitVerdict | undefined;
    for (const window of this.windows) {
      const inWindow = calls.filter((at) => now - at < window.lengthMs);
      const remaining = window.limit - inWindow.length;
      const resetAt = (inWindow[0] ?? now) + window.lengthMs;
      if (remaining <= 0) {
        // A slot frees when the oldest call that keeps the window full leaves it.
        const oldestBlocking = inWindow[inWindow.length - window.limit];
        blockedUntil = Math.max(blockedUntil, oldestBlocking + window.lengthMs);
      }
      if (!tightest || remaining < tightest.remaining) {
        tightest = {
          allowed: true,
          limit: window.limit,
          remaining,
          resetAt: Math.ceil(resetAt / 1000),
          retryAfterSeconds: 0,
        };
      }
    }
    if (blockedUntil > now && tightest) {
      this.calls.set(key, calls);
      return {
        ...tightest,
        allowed: false,
        remaining: 0,
        resetAt: Math.ceil(blockedUntil / 1000),
        retryAfterSeconds: Math.max(1, Math.ceil((blockedUntil - now) / 1000)),
      };
    }
    calls.push(now);
    this.calls.set(key, calls);
    if (!tightest) return { allowed: true, limit: 0, remaining: 0, resetAt: 0, retryAfterSeconds: 0 };
    return { ...tightest, remaining: Math.max(0, tightest.remaining - 1) };
  }

  clear(): void {
    this.calls.clear();
  }
}
