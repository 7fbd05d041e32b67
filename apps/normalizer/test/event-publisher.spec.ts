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

  const userMessage = (sessionId: string, rawSeq: number, text: string): SessionEvent => ({
    id: eventId(sessionId, rawSeq, 0),
    processed_at: '2026-01-01T00:00:00.000Z',
    type: 'user.message',
    content: [{ type: 'text', text }],
  });

  it('recognizes events an earlier attempt stored even past the duplicate window, and fences others', async () => {
    const sessionId = newSessionId();
    const batch = [userMessage(sessionId, 1, 'one'), userMessage(sessionId, 2, 'two')];
    const first = await publisher.publish(sessionId, batch, 0);
    expect(first).toMatchObject({ stored: 2, duplicates: 0 });

    // Wait until JetStream itself no longer recognizes the first event as a duplicate.
    await waitFor(
      async () => {
        try {
          await events.append(nats.names.events(sessionId), batch[0], {
            msgId: batch[0].id,
            expectLastSubjectSeq: 0,
          });
          return false;
        } catch (error) {
          return error instanceof FencedError;
        }
      },
      { what: 'the duplicate window to pass' },
    );

    const again = await publisher.publish(sessionId, batch, 0);
    expect(again).toEqual({ lastSeq: first.lastSeq, stored: 0, duplicates: 2 });
    const stored = await readSessionEvents(nats, sessionId);
    expect(stored.map((event) => event.data)).toEqual(batch);
    expect(stored.map((event) => event.headers[Header.PrevSeq])).toEqual(['0', String(stored[0].seq)]);

    // An event that is not the one stored there is a writer that fell behind: refused.
    await expect(
      publisher.publish(sessionId, [userMessage(sessionId, 3, 'three')], 0),
    ).rejects.toBeInstanceOf(FencedError);
    expect(await readSessionEvents(nats, sessionId)).toHaveLength(2);
  });
});
