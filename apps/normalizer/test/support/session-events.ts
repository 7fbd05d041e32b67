import type { SessionEvent } from '@lap/contracts';
import { readSubjectRange, SubjectLog, type StoredRecord } from '@lap/messaging';
import type { TestNats } from '@lap/testing';
import { waitFor } from '@lap/testing';
import { FoldStateRepository } from '../../src/normalization/fold-state.repository';

/** Every event stored on `<P>.events.<sessionId>`, in order, with headers and stream sequence. */
export async function readSessionEvents(
  nats: TestNats,
  sessionId: string,
): Promise<StoredRecord<SessionEvent>[]> {
  const stream = nats.names.streams.events;
  const subject = nats.names.events(sessionId);
  const last = await new SubjectLog(nats.client, stream).last(subject);
  if (!last) return [];
  const events: StoredRecord<SessionEvent>[] = [];
  for await (const event of readSubjectRange<SessionEvent>(nats.client.js, stream, subject, 0, last.seq)) {
    events.push(event);
  }
  return events;
}

/** Waits until the session's fold state has reached raw sequence `rawSeq`. */
export async function waitUntilFolded(
  states: FoldStateRepository,
  sessionId: string,
  rawSeq: number,
  timeoutMs = 30_000,
): Promise<void> {
  await waitFor(async () => (await states.load(sessionId, { fresh: true })).state.lastRawSeq >= rawSeq, {
    timeoutMs,
    what: `${sessionId} folded up to raw sequence ${rawSeq}`,
  });
}
