import { readPageQuery, takePage } from './page-cursor';

describe('page cursors', () => {
  const items = [9, 7, 5, 3, 1];

  it('walks newest-first items page by page', () => {
    const first = takePage(items, (n) => n, readPageQuery('2', undefined));
    expect(first.page).toEqual([9, 7]);
    const second = takePage(items, (n) => n, readPageQuery('2', first.nextCursor!));
    expect(second.page).toEqual([5, 3]);
    const third = takePage(items, (n) => n, readPageQuery('2', second.nextCursor!));
    expect(third).toEqual({ page: [1], nextCursor: null });
  });

  it('defaults to 20 and rejects bad limits and foreign cursors', () => {
    expect(readPageQuery(undefined, undefined).limit).toBe(20);
    for (const limit of ['0', '101', '2.5', 'ten'])
      expect(() => readPageQuery(limit, undefined)).toThrow(/limit/);
    expect(() => readPageQuery('5', 'abc')).toThrow(/cursor/);
  });
});
