import { Header, type CursorFrame, type RawRecord } from '@lap/contracts';
import { encodeJson, type SubjectLog } from '@lap/messaging';
import { frameRecords, framesRecord } from './frame-records';
import { advance, positionHeaders, recordMessageId, type SessionPosition } from './session-position';

/** A record of several frames larger than this is cut in two (a JetStream message is at most 1 MiB). */
export const MAX_FRAMES_RECORD_BYTES = 256 * 1024;

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
    return this.serialized(() => this.appendNow(record));
  }

  /**
   * Records an interrupt against the run the log names when the record goes in, not when it was asked
   * for: a create record queued ahead of it may start a run meanwhile.
   */
  appendInterrupt(commandId: string, at: string): Promise<SessionPosition> {
    return this.serialized(() =>
      this.appendNow({ kind: 'interrupt.taken', commandId, runId: this.current.runId, at }),
    );
  }

  /**
   * Records consecutive frames of a run, several to a record where they can share one, without letting
   * another append in between or after one of them failed.
   */
  appendFrames(runId: string, frames: CursorFrame[], at: string): Promise<SessionPosition> {
    return this.serialized(async () => {
      for (const record of frameRecords(runId, frames, at)) await this.appendNow(record);
      return this.current;
    });
  }

  private serialized(task: () => Promise<SessionPosition>): Promise<SessionPosition> {
    const next = this.queue.then(task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async appendNow(record: RawRecord): Promise<SessionPosition> {
    const payload = encodeJson(record);
    if (record.kind === 'cursor.frames' && payload.byteLength > MAX_FRAMES_RECORD_BYTES) {
      const half = Math.ceil(record.frames.length / 2);
      await this.appendNow(framesRecord(record.runId, record.frames.slice(0, half), record.at));
      return this.appendNow(framesRecord(record.runId, record.frames.slice(half), record.at));
    }
    const after = advance(this.current, record);
    const { seq, duplicate } = await this.raw.appendEncoded(this.subject, payload, {
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
    // own earlier attempt whose ack was lost (retried with the same record): the log moved. At or before
    // it, it is history (a frame sent again): the log did not move, and taking that older sequence would
    // fence our next append.
    if (!duplicate || seq > this.current.seq) this.current = { ...after, seq };
    return this.current;
  }
}
