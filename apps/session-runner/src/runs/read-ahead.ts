export interface ReadAheadOptions<T> {
  /** Most items read and not taken yet; past it, reading waits for the consumer. */
  capacity: number;
  /** Reading stops after an item for which this is true (the consumer is done with the stream then). */
  isLast(item: T): boolean;
}

/**
 * Reads a stream ahead of its consumer: while the consumer is busy with what it took (recording frames
 * in the raw log), the items arriving meanwhile gather, and its next `take` gets all of them. A quiet
 * stream is taken item by item, at once; a busy one in batches, without waiting for a batch to fill.
 */
export class ReadAhead<T> {
  private readonly buffered: T[] = [];
  private ended = false;
  private failure: { error: unknown } | null = null;
  private wakeConsumer: (() => void) | null = null;
  private wakeReader: (() => void) | null = null;

  constructor(
    private readonly source: AsyncIterator<T>,
    private readonly options: ReadAheadOptions<T>,
  ) {
    void this.read();
  }

  /**
   * Everything read since the last take, waiting for at least one item; empty once the stream ended.
   * A stream that failed throws its error once the items read before the failure are taken.
   */
  async take(): Promise<T[]> {
    while (this.buffered.length === 0) {
      if (this.ended) {
        if (this.failure) throw this.failure.error;
        return [];
      }
      await new Promise<void>((resolve) => (this.wakeConsumer = resolve));
    }
    const items = this.buffered.splice(0);
    this.wake('reader');
    return items;
  }

  /**
   * Stops reading and ends a waiting `take` with nothing. The source is returned once its pending read
   * ends: the caller ends that read (hanging up the connection) if it may wait long.
   */
  close(): void {
    this.ended = true;
    this.wake('reader');
    this.wake('consumer');
    void Promise.resolve(this.source.return?.()).catch(() => undefined);
  }

  private async read(): Promise<void> {
    try {
      while (!this.ended) {
        if (this.buffered.length >= this.options.capacity) {
          await new Promise<void>((resolve) => (this.wakeReader = resolve));
          continue;
        }
        const next = await this.source.next();
        if (next.done || this.ended) break;
        this.buffered.push(next.value);
        this.wake('consumer');
        if (this.options.isLast(next.value)) break;
      }
    } catch (error) {
      this.failure = { error };
    } finally {
      this.ended = true;
      this.wake('consumer');
    }
  }

  private wake(who: 'consumer' | 'reader'): void {
    const wake = who === 'consumer' ? this.wakeConsumer : this.wakeReader;
    if (who === 'consumer') this.wakeConsumer = null;
    else this.wakeReader = null;
    wake?.();
  }
}
