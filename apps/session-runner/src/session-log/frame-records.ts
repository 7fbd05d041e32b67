import type { CursorFrame, RawRecord } from '@lap/contracts';

/** Most frames one raw record holds: a record stays one small JetStream message. */
export const MAX_FRAMES_PER_RECORD = 64;

/** The record holding `frames` (one or more consecutive frames of one run). */
export function framesRecord(runId: string, frames: CursorFrame[], at: string): RawRecord {
  return frames.length === 1
    ? { kind: 'cursor.frame', runId, frame: frames[0], at }
    : { kind: 'cursor.frames', runId, frames, at };
}

/**
 * Cuts consecutive frames of a run into raw records: frames with ids go together, up to
 * {@link MAX_FRAMES_PER_RECORD}; an id-less frame (the status every connection starts with, a closing
 * connection's `error` or `done`, a heartbeat) is a record of its own, since its message id depends on
 * where the log stands and it would otherwise give a record of new frames the id of one already stored.
 */
export function frameRecords(runId: string, frames: readonly CursorFrame[], at: string): RawRecord[] {
  const records: RawRecord[] = [];
  let group: CursorFrame[] = [];
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
    group.push(frame);
  }
  close();
  return records;
}

/** The id of the last frame with one, or null. */
export function lastFrameId(frames: readonly CursorFrame[]): string | null {
  for (let i = frames.length - 1; i >= 0; i--) if (frames[i].id !== null) return frames[i].id;
  return null;
}
