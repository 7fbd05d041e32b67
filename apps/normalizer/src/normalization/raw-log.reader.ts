import type { StoredMsg } from '@nats-io/jetstream';
import type { NatsNames } from '@lap/contracts';
import type { NatsClient } from '@lap/messaging';

/**
 * Reads a session's raw log directly: to place a record whose `Lap-Prev-Seq` header is missing or names
 * a predecessor that never arrives (expired from the stream, or written by a faulty writer), and to fold
 * predecessors whose own deliveries are late.
 */
export class RawLogReader {
  constructor(
    private readonly nats: NatsClient,
    private readonly names: NatsNames,
  ) {}

  /** The stream sequence of the session's first raw record after `afterSeq`, or null when there is none. */
  async firstSeqAfter(sessionId: string, afterSeq: number): Promise<number | null> {
    return (await this.recordAfter(sessionId, afterSeq))?.seq ?? null;
  }

  /** The session's first raw record after `afterSeq` (its body undecoded), or null when there is none. */
  async recordAfter(sessionId: string, afterSeq: number): Promise<StoredMsg | null> {
    // A direct get of the bare message: its body is not decoded, so a record that is not JSON is fine.
    return this.nats.jsm.direct.getMessage(this.names.streams.raw, {
      next_by_subj: this.names.raw(sessionId),
      seq: afterSeq + 1,
    });
  }
}
