import { ConcurrencyLimit } from './concurrency-limit';

describe('ConcurrencyLimit', () => {
  it('runs at most `limit` tasks at once, the others in the order handed in', async () => {
    const limit = new ConcurrencyLimit(2);
    const started: number[] = [];
    const finish: Array<() => void> = [];
    const tasks = [0, 1, 2, 3].map((n) =>
      limit.run(async () => {
        started.push(n);
        await new Promise<void>((resolve) => (finish[n] = resolve));
        return n;
      }),
    );
    await flush();
    expect(started).toEqual([0, 1]);
    finish[1]();
    await flush();
    expect(started).toEqual([0, 1, 2]);
    finish[0]();
    finish[2]();
    await flush();
    finish[3]();
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3]);
    expect(started).toEqual([0, 1, 2, 3]);
  });

  it('frees the place of a task that failed', async () => {
    const limit = new ConcurrencyLimit(1);
    await expect(limit.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limit.run(async () => 'next')).resolves.toBe('next');
  });
});

const flush = () => new Promise((resolve) => setImmediate(resolve));
