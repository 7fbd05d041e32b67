import { SlidingWindowLimiter } from './sliding-window-limiter';

describe('SlidingWindowLimiter', () => {
  const limiter = () =>
    new SlidingWindowLimiter([
      { limit: 1, lengthMs: 60_000 },
      { limit: 3, lengthMs: 3_600_000 },
    ]);

  it('allows one call a minute and tells how long to wait', () => {
    const l = limiter();
    const t0 = 1_000_000;
    expect(l.check('k', t0)).toMatchObject({ allowed: true, limit: 1, remaining: 0 });
    expect(l.check('k', t0 + 10_000)).toMatchObject({ allowed: false, retryAfterSeconds: 50 });
    expect(l.check('other', t0 + 10_000).allowed).toBe(true);
    expect(l.check('k', t0 + 60_000).allowed).toBe(true);
  });

  it('also enforces the hourly budget', () => {
    const l = limiter();
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i++) expect(l.check('k', t0 + i * 60_000).allowed).toBe(true);
    const refused = l.check('k', t0 + 3 * 60_000);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBe(3600 - 180);
    expect(refused.resetAt).toBe(Math.ceil((t0 + 3_600_000) / 1000));
  });
});
