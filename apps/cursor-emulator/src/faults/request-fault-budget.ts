import { CursorHttpError } from '../errors/cursor-http-error';
import type { RequestFaultSpec } from './fault-spec';

/**
 * Errors owed to the next requests (of one agent, or of everyone): each spec answers `count` requests,
 * then is used up, so a client that retries gets through.
 */
export class RequestFaultBudget {
  private pending: { spec: RequestFaultSpec; remaining: number }[] = [];

  add(spec: RequestFaultSpec): void {
    if (spec.count > 0) this.pending.push({ spec, remaining: spec.count });
  }

  /** The error for the current request, if one is owed; consumes it. */
  take(): CursorHttpError | undefined {
    const entry = this.pending[0];
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining === 0) this.pending.shift();
    return toError(entry.spec);
  }

  describe(): { kind: string; remaining: number }[] {
    return this.pending.map(({ spec, remaining }) => ({ kind: spec.kind, remaining }));
  }

  clear(): void {
    this.pending = [];
  }
}

function toError(spec: RequestFaultSpec): CursorHttpError {
  if (spec.kind === 'rate_limit') {
    const resetAt = Math.ceil(Date.now() / 1000) + spec.retryAfterSeconds;
    return new CursorHttpError(429, 'rate_limit_exceeded', 'Rate limit exceeded, retry later', {
      'Retry-After': String(spec.retryAfterSeconds),
      'X-RateLimit-Limit': '0',
      'X-RateLimit-Remaining': '0',
      'X-RateLimit-Reset': String(resetAt),
    });
  }
  return new CursorHttpError(spec.status, 'internal_error', 'Internal error, please retry');
}
