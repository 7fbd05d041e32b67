import { Inject, Injectable } from '@nestjs/common';
import type { Me, ModelInfo, Repository } from '@lap/cursor-client';
import { CursorHttpError } from '../errors/cursor-http-error';
import { EMULATOR_OPTIONS, type EmulatorOptions } from '../emulator-options';
import type { Caller } from '../auth/api-key.guard';
import { SlidingWindowLimiter, type RateLimitVerdict } from './sliding-window-limiter';

const MODELS: ModelInfo[] = [
  { id: 'default', displayName: 'Auto' },
  { id: 'claude-4-sonnet', displayName: 'Claude 4 Sonnet' },
  { id: 'gpt-5', displayName: 'GPT-5' },
];

const REPOSITORIES: Repository[] = [
  { url: 'https://github.com/emulator/demo-service' },
  { url: 'https://github.com/emulator/web-app' },
];

/** Process start, so `me.createdAt` stays stable for the emulator's lifetime. */
const KEY_CREATED_AT = new Date().toISOString();

@Injectable()
export class AccountService {
  private readonly repositoriesLimiter: SlidingWindowLimiter;

  constructor(@Inject(EMULATOR_OPTIONS) options: EmulatorOptions) {
    this.repositoriesLimiter = new SlidingWindowLimiter([
      { limit: options.repositoriesPerMinute, lengthMs: 60_000 },
      { limit: options.repositoriesPerHour, lengthMs: 3_600_000 },
    ]);
  }

  me(caller: Caller): Me {
    return {
      apiKeyName: `Emulator key …${caller.keyHint}`,
      createdAt: KEY_CREATED_AT,
      userEmail: 'developer@example.com',
    };
  }

  models(): { items: ModelInfo[] } {
    return { items: MODELS };
  }

  /** Returns the list and the rate-limit headers, or throws 429 with them. */
  repositories(caller: Caller): { items: Repository[]; headers: Record<string, string> } {
    const verdict = this.repositoriesLimiter.check(caller.owner);
    const headers = rateLimitHeaders(verdict);
    if (!verdict.allowed) {
      throw new CursorHttpError(
        429,
        'rate_limit_exceeded',
        'Repositories can be listed once a minute and 30 times an hour',
        {
          ...headers,
          'Retry-After': String(verdict.retryAfterSeconds),
        },
      );
    }
    return { items: REPOSITORIES, headers };
  }

  reset(): void {
    this.repositoriesLimiter.clear();
  }
}

function rateLimitHeaders(verdict: RateLimitVerdict): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(verdict.limit),
    'X-RateLimit-Remaining': String(verdict.remaining),
    'X-RateLimit-Reset': String(verdict.resetAt),
  };
}
