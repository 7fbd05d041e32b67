import type { NatsNames } from '@lap/contracts';
import type { NatsClient } from '@lap/messaging';

/**
 * Reads a session's raw log directly, to place a record whose `Lap-Prev-Seq` header is missing or names
 * a predecessor that never arrives (expired from the stream, or written by a faulty writer).
 */
export class RawLogReader {
  constructor(
    private readonly nats: NatsClient,
    private readonly names: NatsNames,
  ) {}

  /** The stream sequence of the session's first raw record after `afterSeq`, or null when there is none. */
  async firstSeqAfter(sessionId: string, afterSeq: number): Promise<number | null> {
    // A direct get of the bare message: its body is not decoded, so a record that is not JSON is fine.
    const message = await this.nats.jsm.direct.getMessage(this.names.streams.raw, {
      next_by_subj: this.names.raw(sessionId),
      seq: afterSeq + 1,
    });
    return message?.seq ?? null;
  }
}
