import { Header, type RawRecord } from '@lap/contracts';
import type { SubjectLog } from '@lap/messaging';
import { advance, positionHeaders, recordMessageId, type SessionPosition } from './session-position';

/**
 * One runner's hold on one session's raw log. Every append is fenced on the sequence this runner last
 * saw, so if another runner has taken the session the append fails with `FencedError` and this
 * runner must stop. Appends are serialized: frames and an interrupt may arrive concurrently.
 */
export class SessionLog {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly raw: SubjectLog,
    readonly sessionId: string,
    private readonly subject: string,
    private current: SessionPosition,
  ) {}

  get position(): SessionPosition {
    return this.current;
  }

  append(record: RawRecord): Promise<SessionPosition> {
    const next = this.queue.then(() => this.appendNow(record));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async appendNow(record: RawRecord): Promise<SessionPosition> {
    const after = advance(this.current, record);
    const { seq, duplicate } = await this.raw.append(this.subject, record, {
      msgId: recordMessageId(this.sessionId, this.current, record),
      expectLastSubjectSeq: this.current.seq,
      headers: {
        [Header.SessionId]: this.sessionId,
        [Header.PrevSeq]: String(this.current.seq),
        [Header.RecordKind]: record.kind,
        ...positionHeaders(after),
      },
    });
    // "Already stored" (same message id) names the stored copy's sequence. Past our position it is our
    // own earlier attempt whose ack was lost: the log moved. At or before it, it is history (a frame
    // sent again): the log did not move, and taking that older sequence would fence our next append.
    if (!duplicate || seq > this.current.seq) this.current = { ...after, seq };
    return this.current;
  }
}
