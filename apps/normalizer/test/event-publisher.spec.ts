import { eventId, Header, newSessionId, type SessionEvent } from '@lap/contracts';
import { DEFAULT_STREAM_SETTINGS, ensureStreams, FencedError, SubjectLog } from '@lap/messaging';
import { createTestNats, waitFor, type TestNats } from '@lap/testing';
import { EventPublisher } from '../src/normalization/event-publisher';
import { readSessionEvents } from './support/session-events';

describe('EventPublisher (real NATS)', () => {
  let nats: TestNats;
  let events: SubjectLog;
  let publisher: EventPublisher;

  beforeAll(async () => {
    nats = await createTestNats('normpub');
    // A very short duplicate window, so the test can get past it.
    await ensureStreams(nats.client.jsm, nats.names, ['events'], {
      ...DEFAULT_STREAM_SETTINGS,
      duplicateWindowMs: 200,
    });
    events = new SubjectLog(nats.client, nats.names.streams.events);
    publisher = new EventPublisher(events, nats.names);
  });
  afterAll(() => nats.cleanup());

  const start = { seq: 0, number: 0 };

  const userMessage = (sessionId: string, rawSeq: number, text: string): SessionEvent => ({
    id: eventId(sessionId, rawSeq, 0),
    processed_at: '2026-01-01T00:00:00.000Z',
    type: 'user.message',
    content: [{ type: 'text', text }],
  });

  const numbersOf = async (sessionId: string) =>
    (await readSessionEvents(nats, sessionId)).map((event) => event.headers[Header.EventNumber]);

  /** Waits until JetStream itself no longer recognizes `event` (stored first on its subject) as a duplicate. */
  async function waitOutDuplicateWindow(sessionId: string, event: SessionEvent): Promise<void> {
    await waitFor(
      async () => {
        try {
          await events.append(nats.names.events(sessionId), event, {
            msgId: event.id,
            expectLastSubjectSeq: 0,
          });
          return false;
        } catch (error) {
          return error instanceof FencedError;
        }
      },
      { what: 'the duplicate window to pass' },
    );
  }

  it('numbers a session’s events from 1 and goes on from where the last run left them', async () => {
    const sessionId = newSessionId();
    const first = await publisher.publish(
      sessionId,
      [1, 2, 3].map((n) => userMessage(sessionId, n, `m${n}`)),
      start,
    );
    expect(first).toMatchObject({ after: { number: 3 }, stored: 3, duplicates: 0 });
    const later = userMessage(sessionId, 4, 'm4');
    const next = await publisher.publish(sessionId, [later], first.after);
    expect(next).toMatchObject({ after: { number: 4 }, stored: 1 });

    const stored = await readSessionEvents(nats, sessionId);
    expect(stored.map((event) => event.data.id)).toEqual([
      ...[1, 2, 3].map((n) => eventId(sessionId, n, 0)),
      later.id,
    ]);
    expect(stored.map((event) => event.headers[Header.EventNumber])).toEqual(['1', '2', '3', '4']);
    expect(stored.map((event) => event.headers[Header.EventId])).toEqual(
      stored.map((event) => event.data.id),
    );
    expect(next.after.seq).toBe(stored[3].seq);
  });

  it('recognizes events an earlier attempt stored even past the duplicate window, and fences others', async () => {
    const sessionId = newSessionId();
    const batch = [1, 2, 3].map((n) => userMessage(sessionId, n, `m${n}`));
    const first = await publisher.publish(sessionId, batch, start);
    expect(first).toMatchObject({ stored: 3, duplicates: 0 });
    await waitOutDuplicateWindow(sessionId, batch[0]);

    const again = await publisher.publish(sessionId, batch, start);
    expect(again).toEqual({ after: first.after, stored: 0, duplicates: 3 });
    expect((await readSessionEvents(nats, sessionId)).map((event) => event.data)).toEqual(batch);

    // A run repeated only in part (its first event stored, the rest not): the rest follow, once each.
    const partial = newSessionId();
    const partialBatch = [1, 2, 3].map((n) => userMessage(partial, n, `p${n}`));
    const landed = await publisher.publish(partial, partialBatch.slice(0, 1), start);
    await waitOutDuplicateWindow(partial, partialBatch[0]);
    expect(await publisher.publish(partial, partialBatch, start)).toMatchObject({ stored: 2, duplicates: 1 });
    expect(landed.after.number).toBe(1);
    expect(await numbersOf(partial)).toEqual(['1', '2', '3']);

    // An event that is not the one stored there is a writer that fell behind: refused.
    await expect(
      publisher.publish(sessionId, [userMessage(sessionId, 9, 'late')], start),
    ).rejects.toBeInstanceOf(FencedError);
    expect(await readSessionEvents(nats, sessionId)).toHaveLength(3);
  });

  it('stores nothing after an event too large to send, so the session has no hole', async () => {
    const sessionId = newSessionId();
    const tooLarge = userMessage(sessionId, 2, 'x'.repeat(events.maxPayloadBytes()));
    const batch = [userMessage(sessionId, 1, 'before'), tooLarge, userMessage(sessionId, 3, 'after')];
    await expect(publisher.publish(sessionId, batch, start)).rejects.toThrow(/max_payload/);
    expect(await numbersOf(sessionId)).toEqual(['1']);
  });

  it('numbers on from a fold state that does not number its last event, counting the events up to it', async () => {
    const sessionId = newSessionId();
    const messages = [1, 2, 3, 4].map((n) => userMessage(sessionId, n, `m${n}`));
    const firstTwo = await publisher.publish(sessionId, messages.slice(0, 2), start);
    // A replica published the next two, then died before saving its state.
    await publisher.publish(sessionId, messages.slice(2), firstTwo.after);
    const saved = { lastEventSeq: firstTwo.after.seq };

    // Saved by a normalizer from before numbering (no number), or by one that moved past the number.
    expect(await publisher.positionOf(sessionId, saved)).toEqual(firstTwo.after);
    const stale = { lastEventSeq: firstTwo.after.seq, numbered: { seq: 1, number: 1 } };
    expect(await publisher.positionOf(sessionId, stale)).toEqual(firstTwo.after);
    // The run folded again from that state numbers its events as the first attempt did.
    const again = await publisher.publish(
      sessionId,
      messages.slice(2),
      await publisher.positionOf(sessionId, saved),
    );
    expect(again).toMatchObject({ after: { number: 4 }, duplicates: 2 });
    expect(await numbersOf(sessionId)).toEqual(['1', '2', '3', '4']);

    expect(
      await publisher.positionOf(sessionId, { lastEventSeq: 9, numbered: { seq: 9, number: 7 } }),
    ).toEqual({
      seq: 9,
      number: 7,
    });
    expect(await publisher.positionOf(newSessionId(), { lastEventSeq: 0 })).toEqual(start);
  });
});
