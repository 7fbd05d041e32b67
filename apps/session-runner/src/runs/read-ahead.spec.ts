import { ReadAhead } from './read-ahead';

/** A source the test feeds by hand, as a socket would: `push` makes an item available, `end` ends it. */
class ManualSource implements AsyncIterator<number> {
  private readonly items: Array<IteratorResult<number> | { error: unknown }> = [];
  private waiting: (() => void) | null = null;
  reads = 0;
  returned = false;

  push(...values: number[]): void {
    for (const value of values) this.items.push({ value, done: false });
    this.waiting?.();
  }

  end(): void {
    this.items.push({ value: undefined, done: true });
    this.waiting?.();
  }

  fail(error: unknown): void {
    this.items.push({ error });
    this.waiting?.();
  }

  async next(): Promise<IteratorResult<number>> {
    this.reads++;
    while (this.items.length === 0) await new Promise<void>((resolve) => (this.waiting = resolve));
    const item = this.items.shift()!;
    if ('error' in item) throw item.error;
    return item;
  }

  async return(): Promise<IteratorResult<number>> {
    this.returned = true;
    return { value: undefined, done: true };
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('ReadAhead', () => {
  it('hands over an item at once when the consumer is waiting, and what gathered while it was busy', async () => {
    const source = new ManualSource();
    const ahead = new ReadAhead(source, { capacity: 100, isLast: () => false });
    const first = ahead.take();
    source.push(1);
    expect(await first).toEqual([1]);
    // The consumer is busy (recording 1) while 2, 3 and 4 arrive.
    source.push(2, 3);
    await settle();
    source.push(4);
    await settle();
    expect(await ahead.take()).toEqual([2, 3, 4]);
    source.end();
    expect(await ahead.take()).toEqual([]);
  });

  it('reads no further than its capacity until the consumer takes', async () => {
    const source = new ManualSource();
    const ahead = new ReadAhead(source, { capacity: 2, isLast: () => false });
    source.push(1, 2, 3, 4);
    await settle();
    expect(source.reads).toBe(2);
    expect(await ahead.take()).toEqual([1, 2]);
    await settle();
    expect(await ahead.take()).toEqual([3, 4]);
  });

  it('stops reading after the last item, and returns the source when closed', async () => {
    const source = new ManualSource();
    const ahead = new ReadAhead(source, { capacity: 100, isLast: (n) => n === 2 });
    source.push(1, 2, 3);
    await settle();
    expect(await ahead.take()).toEqual([1, 2]);
    expect(await ahead.take()).toEqual([]);
    ahead.close();
    await settle();
    expect(source.returned).toBe(true);
  });

  it('ends a waiting take with nothing when closed', async () => {
    const source = new ManualSource();
    const ahead = new ReadAhead(source, { capacity: 100, isLast: () => false });
    const waiting = ahead.take();
    ahead.close();
    expect(await waiting).toEqual([]);
  });

  it('throws the failure of the stream once the items read before it are taken', async () => {
    const source = new ManualSource();
    const ahead = new ReadAhead(source, { capacity: 100, isLast: () => false });
    source.push(1);
    source.fail(new Error('connection reset'));
    await settle();
    expect(await ahead.take()).toEqual([1]);
    await expect(ahead.take()).rejects.toThrow('connection reset');
  });
});
