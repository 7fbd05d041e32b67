import type { CursorFrame, RawRecord } from '@lap/contracts';

/** Most frames one raw record holds: a record stays one small JetStream message. */
export const MAX_FRAMES_PER_RECORD = 64;

type FrameWithId = CursorFrame & { id: string };

/** The record holding one frame, or several consecutive frames of one run that all have ids. */
export function framesRecord(runId: string, frames: FrameWithId[] | [CursorFrame], at: string): RawRecord {
  return frames.length === 1
    ? { kind: 'cursor.frame', runId, frame: frames[0], at }
    : { kind: 'cursor.frames', runId, frames: frames as FrameWithId[], at };
}

/**
 * Cuts consecutive frames of a run into raw records: frames with ids go together, up to
 * {@link MAX_FRAMES_PER_RECORD}; an id-less frame (the status every connection starts with, a closing
 * connection's `error` or `done`, a heartbeat) is a record of its own, as its message id depends on where
 * the log stands.
 */
export function frameRecords(runId: string, frames: readonly CursorFrame[], at: string): RawRecord[] {
  const records: RawRecord[] = [];
  let group: FrameWithId[] = [];
  const close = () => {
    if (group.length > 0) records.push(framesRecord(runId, group, at));
    group = [];
  };
  for (const frame of frames) {
    if (frame.id === null) {
      close();
      records.push(framesRecord(runId, [frame], at));
      continue;
    }
    if (group.length === MAX_FRAMES_PER_RECORD) close();
    group.push(frame as FrameWithId);
  }
  close();
  return records;
}

const FRAME_ID = /^(\d+)-(\d+)$/;

/**
 * The frames not recorded yet, given the last frame id the log holds: Cursor's ids (`<ms>-<seq>`) follow
 * the stream's order, so a frame at or before that id is one a server sent again (a replay) and is
 * dropped. Id-less frames are kept (their message ids tell a repeat), and so is any frame whose id
 * cannot be compared.
 */
export function unrecordedFrames(frames: CursorFrame[], lastRecordedId: string | null): CursorFrame[] {
  const last = lastRecordedId === null ? null : FRAME_ID.exec(lastRecordedId);
  if (!last) return frames;
  return frames.filter((frame) => {
    const id = frame.id === null ? null : FRAME_ID.exec(frame.id);
    if (!id) return true;
    const [ms, seq, lastMs, lastSeq] = [id[1], id[2], last[1], last[2]].map(Number);
    return ms > lastMs || (ms === lastMs && seq > lastSeq);
  });
}
