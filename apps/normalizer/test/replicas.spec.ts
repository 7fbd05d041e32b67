import { Header, newSessionId } from '@lap/contracts';
import { createTestNats, type TestNats } from '@lap/testing';
import { startNormalizer, type RunningNormalizer } from '../src';
import { FoldStateRepository } from '../src/normalization/fold-state.repository';
import { foldInMemory } from './support/expected-events';
import { RawSessionWriter } from './support/raw-session-writer';
import { readSessionEvents, waitUntilFolded } from './support/session-events';
import { generatedSession } from './support/session-scripts';
import { testNormalizerConfig } from './support/test-config';

const SESSIONS = 20;
const RECORDS_PER_SESSION = 30;

describe('normalizer replicas sharing one durable consumer', () => {
  let nats: TestNats;
  let replicas: RunningNormalizer[] = [];

  beforeAll(async () => {
    nats = await createTestNats('normrep');
  });
  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.close()));
    await nats?.cleanup();
  });

  it('fold interleaved sessions exactly as one uninterrupted fold would: none missing, none repeated, in order', async () => {
    replicas = await Promise.all([
      startNormalizer(testNormalizerConfig(nats)),
      startNormalizer(testNormalizerConfig(nats, { NORMALIZER_CONCURRENCY: '16' })),
    ]);
    const states = await FoldStateRepository.open(nats.client, nats.names);
    const sessions = Array.from({ length: SESSIONS }, (_, variant) => ({
      writer: new RawSessionWriter(nats.client, nats.names, newSessionId()),
      records: generatedSession(variant, RECORDS_PER_SESSION),
    }));

    // Round after round, one record of every session, written concurrently across sessions.
    for (let index = 0; index < RECORDS_PER_SESSION; index++) {
      await Promise.all(sessions.map(({ writer, records }) => writer.append(records[index])));
    }
    for (const { writer } of sessions) {
      await waitUntilFolded(states, writer.sessionId, writer.lastSeq, 60_000);
    }

    let expectedEventCount = 0;
    for (const { writer } of sessions) {
      const expected = foldInMemory(writer.sessionId, writer.written);
      expectedEventCount += expected.length;
      const stored = await readSessionEvents(nats, writer.sessionId);
      expect(stored.map((event) => event.data)).toEqual(expected);
      stored.forEach((event, i) => {
        expect(event.headers[Header.EventId]).toBe(event.data.id);
        expect(event.headers[Header.EventNumber]).toBe(String(i + 1));
      });
    }
    expect(expectedEventCount).toBeGreaterThan(SESSIONS * 5);

    // A record's state is saved once (compare-and-set), and each event is stored once.
    const counts = replicas.map((replica) => replica.metrics.snapshot());
    const total = (name: keyof (typeof counts)[number]) => counts.reduce((sum, c) => sum + c[name], 0);
    expect(total('normalizer_records_folded_total')).toBe(SESSIONS * RECORDS_PER_SESSION);
    expect(total('normalizer_events_published_total')).toBe(expectedEventCount);
    for (const replicaCounts of counts)
      expect(replicaCounts.normalizer_records_folded_total).toBeGreaterThan(0);
  });
});
