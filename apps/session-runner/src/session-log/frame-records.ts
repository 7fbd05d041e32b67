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
 * dropped, and every frame after the first newer one is new. Id-less frames are kept (their message ids
 * tell a repeat), and so is any frame whose id cannot be compared. Called on every batch the runner
 * records, where the first frame is nearly always new: then the batch is returned as it is.
 */
export function unrecordedFrames(frames: CursorFrame[], lastRecordedId: string | null): CursorFrame[] {
  const last = lastRecordedId === null ? null : FRAME_ID.exec(lastRecordedId);
  if (!last) return frames;
  const lastMs = Number(last[1]);
  const lastSeq = Number(last[2]);
  const kept: CursorFrame[] = [];
  for (let i = 0; i < frames.length; i++) {
    const frameId = frames[i].id;
    const id = frameId === null ? null : FRAME_ID.exec(frameId);
    if (!id) {
      kept.push(frames[i]);
      continue;
    }
    const ms = Number(id[1]);
    if (ms < lastMs || (ms === lastMs && Number(id[2]) <= lastSeq)) continue;
    if (i === 0) return frames;
    return kept.concat(frames.slice(i));
  }
  return kept;
}
