import { startHarness, type Harness } from './harness';

describe('account routes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.emulator.close());

  it('answers me and models without revealing the key', async () => {
    const me = await h.client.me();
    expect(me).toEqual({
      apiKeyName: expect.stringContaining('1234'),
      createdAt: expect.any(String),
      userEmail: expect.any(String),
    });
    expect(me.apiKeyName).not.toContain('test-key');
    const models = await h.client.models();
    expect(models.items.length).toBeGreaterThan(0);
    expect(models.items[0]).toEqual({ id: expect.any(String), displayName: expect.any(String) });
  });

  it('rate limits repositories per key: once a minute, with Retry-After and X-RateLimit-* headers', async () => {
    const url = `${h.emulator.url}/v1/repositories`;
    const first = await fetch(url, { headers: { authorization: 'Bearer repo-key' } });
    expect(first.status).toBe(200);
    expect(((await first.json()) as { items: unknown[] }).items[0]).toEqual({ url: expect.any(String) });
    expect(first.headers.get('x-ratelimit-limit')).toBe('1');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('0');

    const second = await fetch(url, { headers: { authorization: 'Bearer repo-key' } });
    expect(second.status).toBe(429);
    expect(await second.json()).toEqual({
      error: { code: 'rate_limit_exceeded', message: expect.any(String) },
    });
    const retryAfter = Number(second.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(second.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(second.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);

    await expect(h.clientFor('repo-key').repositories()).rejects.toMatchObject({
      status: 429,
      code: 'rate_limit_exceeded',
      retryAfterMs: expect.any(Number),
    });
    // Another key has its own budget.
    expect((await h.clientFor('other-repo-key').repositories()).items.length).toBeGreaterThan(0);
  });
});
