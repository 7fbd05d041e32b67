import { eventNumberOf, Header, type RawRecord, type SessionEvent } from '@lap/contracts';
import type { StoredRecord } from '@lap/messaging';
import { canonicalEvents } from './canonical-events';
import type { SseEventFrame } from './resuming-sse-reader';
import { compareSequences, type SequenceDiff } from './sequence-check';
import { cursorFrameIds } from './session-watch';

/** Everything checked about one session once the chaos is over. */
export interface SessionVerdict {
  sessionId: string;
  /** `<P>.events.<S>` against the undisturbed run of the same script. */
  events: SequenceDiff;
  /** What the resuming SSE client received against `<P>.events.<S>` (ids, types and bodies). */
  sse: SequenceDiff;
  /** Events whose `Lap-Event-Number` is not one past the previous event's (1 for the first). */
  eventChainBreaks: number;
  /** Raw records whose `Lap-Prev-Seq` is not the previous record's sequence. */
  rawChainBreaks: number;
  /** Cursor frames recorded more than once (same run, same Cursor event id). */
  duplicateCursorFrames: number;
  cursorFrames: number;
  /** The longest pause between two consecutive raw records, and when it began (stalls show here). */
  longestRawPause: { ms: number; after: Date | null };
  /** For each event an SSE client got: how long after it was stored (ms). */
  sseDelays: number[];
  /** When the session's last event was stored. */
  finishedAt: Date | null;
  /** The longest pause between two consecutive events. */
  longestEventPause: { ms: number; after: Date | null };
}

export function judgeSession(
  sessionId: string,
  expected: readonly string[],
  events: readonly StoredRecord<SessionEvent>[],
  raw: readonly StoredRecord<RawRecord>[],
  sseFrames: readonly SseEventFrame[],
): SessionVerdict {
  const frameIds = cursorFrameIds(raw);
  return {
    sessionId,
    events: compareSequences(expected, canonicalEvents(events.map((e) => e.data))),
    sse: compareSequences(
      events.map((e) => `${e.seq} ${e.data.type} ${JSON.stringify(e.data)}`),
      sseFrames.map((f) => `${f.id} ${f.event} ${f.data}`),
    ),
    eventChainBreaks: numberingBreaks(events),
    rawChainBreaks: chainBreaks(raw),
    duplicateCursorFrames: frameIds.length - new Set(frameIds).size,
    cursorFrames: frameIds.length,
    sseDelays: sseFrames.flatMap((f) => {
      const stored = events.find((e) => String(e.seq) === f.id);
      return stored ? [f.receivedAt - stored.time.getTime()] : [];
    }),
    finishedAt: events.length ? events[events.length - 1].time : null,
    longestRawPause: longestPause(raw),
    longestEventPause: longestPause(events),
  };
}

function longestPause(records: readonly StoredRecord<unknown>[]): { ms: number; after: Date | null } {
  let longest = { ms: 0, after: null as Date | null };
  for (let i = 1; i < records.length; i++) {
    const ms = records[i].time.getTime() - records[i - 1].time.getTime();
    if (ms > longest.ms) longest = { ms, after: records[i - 1].time };
  }
  return longest;
}

function numberingBreaks(events: readonly StoredRecord<unknown>[]): number {
  return events.filter((e, i) => eventNumberOf(e.headers[Header.EventNumber]) !== i + 1).length;
}

function chainBreaks(records: readonly StoredRecord<unknown>[]): number {
  return records.filter((r, i) => Number(r.headers[Header.PrevSeq]) !== (i === 0 ? 0 : records[i - 1].seq))
    .length;
}
