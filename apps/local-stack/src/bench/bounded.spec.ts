import { mapWithLimit } from './bounded';

describe('mapWithLimit', () => {
  it('keeps at most the limit in flight and the results in order', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await mapWithLimit([5, 1, 3, 2, 4], 2, async (n) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, n));
      inFlight--;
      return n * 10;
    });
    expect(results).toEqual([50, 10, 30, 20, 40]);
    expect(most).toBe(2);
  });

  it('starts nothing after a failure, and throws only once the tasks in flight have settled', async () => {
    const started: number[] = [];
    const settled: number[] = [];
    const run = mapWithLimit([0, 1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n);
      await new Promise((resolve) => setTimeout(resolve, n === 0 ? 1 : 20));
      settled.push(n);
      if (n === 0) throw new Error('item 0 failed');
      return n;
    });
    await expect(run).rejects.toThrow('item 0 failed');
    expect(started).toEqual([0, 1]);
    expect(settled.sort()).toEqual([0, 1]);
  });
});
