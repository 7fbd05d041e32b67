import { cursorFramesOf, Header, type CursorFrame, type RawRecord } from '@lap/contracts';
import { encodeJson, type SubjectLog } from '@lap/messaging';
import { framesRecord, frameRecords, lastFrameId } from './frame-records';
import {
  advance,
  positionFromHeaders,
  positionHeaders,
  recordMessageId,
  type SessionPosition,
} from './session-position';

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
   * Records consecutive frames of a run, several to a record where they can share one. Resolves to
   * where the log stands: its `lastCursorEventId` is the last of `frames` unless the log already held
   * some of them cut differently (an earlier attempt whose ack was lost), in which case it names the
   * last frame the log holds and the caller resumes the stream from there.
   */
  appendFrames(runId: string, frames: CursorFrame[], at: string): Promise<SessionPosition> {
    return this.serialized(async () => {
      for (const record of frameRecords(runId, frames, at)) {
        const expected = lastFrameId(cursorFramesOf(record)) ?? this.current.lastCursorEventId;
        if ((await this.appendNow(record)).lastCursorEventId !== expected) break;
      }
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
      const first = await this.appendNow(framesRecord(record.runId, record.frames.slice(0, half), record.at));
      if (first.lastCursorEventId !== record.frames[half - 1].id) return first;
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
    if (!duplicate) {
      this.current = { ...after, seq };
    } else if (seq > this.current.seq) {
      // Past our position: our own earlier attempt whose ack was lost, so the log moved. That attempt may
      // have cut the frames differently (it came from an earlier connection): the stored copy says where
      // the log stands. At or before our position it is history (a frame sent again): the log did not
      // move, and taking that older sequence would fence our next append.
      const stored = await this.raw.at(seq);
      this.current = stored ? positionFromHeaders(seq, stored.headers) : { ...after, seq };
    }
    return this.current;
  }
}
