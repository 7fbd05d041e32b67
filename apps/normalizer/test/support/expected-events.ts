import type { SessionEvent } from '@lap/contracts';
import { foldRecord, initialFoldState } from '../../src/fold';
import type { WrittenRawRecord } from './raw-session-writer';

/**
 * The events a single, uninterrupted fold yields for the records written, folded in memory: what the
 * normalizer must have published, however many replicas and crashes it took.
 */
export function foldInMemory(sessionId: string, written: WrittenRawRecord[]): SessionEvent[] {
  let state = initialFoldState();
  const events: SessionEvent[] = [];
  for (const { seq, record } of written) {
    if (record === null) {
      state = { ...state, lastRawSeq: seq };
      continue;
    }
    const folded = foldRecord(state, record, seq, sessionId, record.at);
    events.push(...folded.events);
    state = folded.state;
  }
  return events;
}
