import { Logger } from '@nestjs/common';
import { newSessionId, type RawRecord } from '@lap/contracts';
import { ensureStreams, openBucket, SubjectLog } from '@lap/messaging';
import { createTestNats, waitFor, type TestNats } from '@lap/testing';
import { startNormalizer, type RunningNormalizer } from '../src';
import { foldRecord, initialFoldState, type FoldState } from '../src/fold';
import { NormalizerMetrics } from '../src/metrics/normalizer-metrics';
import { EventPublisher } from '../src/normalization/event-publisher';
import { FoldStateRepository } from '../src/normalization/fold-state.repository';
import { RawLogReader } from '../src/normalization/raw-log.reader';
import { RecordNormalizer } from '../src/normalization/record-normalizer';
import { foldInMemory } from './support/expected-events';
import { RawSessionWriter } from './support/raw-session-writer';
import { readSessionEvents, waitUntilFolded } from './support/session-events';
import { generatedSession, rawRecords } from './support/session-scripts';
import { rawWorkItemAt } from './support/stored-work-item';
import { testNormalizerConfig } from './support/test-config';

/** A run whose record at TOOL_COMPLETED yields two events (`agent.tool_use`, `agent.tool_result`). */
function toolRun(): RawRecord[] {
  const r = rawRecords();
  const tool = { callId: 'call-1', name: 'read_file' };
  return [
    r.message('cmd_1', 'Read the config'),
    r.agentCreated('cmd_1', 'run-1'),
    r.status('run-1', 'RUNNING'),
    r.assistant('run-1', 'Reading it.'),
    r.toolCall('run-1', { ...tool, status: 'running', args: { path: 'config.json' } }),
    r.toolCall('run-1', { ...tool, status: 'completed', result: '{"debug":true}' }),
    r.assistant('run-1', 'Debug is on.'),
    r.result('run-1', 'FINISHED'),
    r.settled('cmd_1', 'run-1', 'FINISHED'),
  ];
}
const TOOL_COMPLETED = 5;

describe('normalizer crash windows (real NATS)', () => {
  let nats: TestNats;
  let states: FoldStateRepository;
  let publisher: EventPublisher;
  const running: RunningNormalizer[] = [];

  beforeEach(async () => {
    nats = await createTestNats('normcrash');
    await ensureStreams(nats.client.jsm, nats.names, ['raw', 'events']);
    states = await FoldStateRepository.open(nats.client, nats.names);
    publisher = new EventPublisher(new SubjectLog(nats.client, nats.names.streams.events), nats.names);
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((normalizer) => normalizer.close()));
    await nats.cleanup();
  });

  async function start(): Promise<RunningNormalizer> {
    const normalizer = await startNormalizer(testNormalizerConfig(nats));
    running.push(normalizer);
    return normalizer;
  }

  async function stop(normalizer: RunningNormalizer): Promise<void> {
    running.splice(running.indexOf(normalizer), 1);
    await normalizer.close();
  }

  /** Does what a replica does for the first `count` records: fold, publish, save. */
  async function foldAsAReplicaWould(session: RawSessionWriter, count: number): Promise<FoldState> {
    let state = initialFoldState();
    let revision: number | null = null;
    for (const { seq, record } of session.written.slice(0, count)) {
      const folded = foldRecord(state, record!, seq, session.sessionId, record!.at);
      const after = await publisher.positionOf(session.sessionId, state);
      const published = await publisher.publish(session.sessionId, folded.events, after);
      state = { ...folded.state, lastEventSeq: published.after.seq, numbered: published.after };
      revision = await states.save(session.sessionId, state, revision);
    }
    return state;
  }

  it('re-folds a record whose events were partly published before the crash, storing each event once', async () => {
    const session = new RawSessionWriter(nats.client, nats.names, newSessionId());
    await session.appendAll(toolRun());
    const saved = await foldAsAReplicaWould(session, TOOL_COMPLETED);
    // The replica folded the next record and published its first event, then died before the rest.
    const { seq, record } = session.written[TOOL_COMPLETED];
    const { events } = foldRecord(saved, record!, seq, session.sessionId, record!.at);
    expect(events.map((event) => event.type)).toEqual(['agent.tool_use', 'agent.tool_result']);
    await publisher.publish(
      session.sessionId,
      events.slice(0, 1),
      await publisher.positionOf(session.sessionId, saved),
    );

    const normalizer = await start();
    await waitUntilFolded(states, session.sessionId, session.lastSeq);

    const stored = await readSessionEvents(nats, session.sessionId);
    const expected = foldInMemory(session.sessionId, session.written);
    expect(stored.map((event) => event.data)).toEqual(expected);
    expect(new Set(stored.map((event) => event.data.id)).size).toBe(stored.length);
    expect(normalizer.metrics.snapshot()).toMatchObject({
      normalizer_records_duplicate_total: TOOL_COMPLETED,
      normalizer_records_folded_total: session.written.length - TOOL_COMPLETED,
      normalizer_events_duplicate_total: 1,
    });
  });

  it('re-processing from a fold state older than the events publishes nothing new', async () => {
    const session = new RawSessionWriter(nats.client, nats.names, newSessionId());
    await session.appendAll(generatedSession(1, 25));
    const first = await start();
    await waitUntilFolded(states, session.sessionId, session.lastSeq);
    await stop(first);
    const before = await readSessionEvents(nats, session.sessionId);

    // Roll the state back to just after record 9 (as if every save after it had been lost), and let the
    // consumer deliver the whole raw log again.
    const rollbackAfter = 10;
    const older = foldInMemory(session.sessionId, session.written.slice(0, rollbackAfter)).length;
    let rolledBack = initialFoldState();
    for (const { seq, record } of session.written.slice(0, rollbackAfter)) {
      rolledBack = foldRecord(rolledBack, record!, seq, session.sessionId, record!.at).state;
    }
    rolledBack.lastEventSeq = before[older - 1].seq;
    const current = await states.load(session.sessionId, { fresh: true });
    await states.save(session.sessionId, rolledBack, current.revision);
    await nats.client.jsm.consumers.delete(nats.names.streams.raw, nats.names.consumers.normalizers);

    const second = await start();
    await waitUntilFolded(states, session.sessionId, session.lastSeq);
    expect(await readSessionEvents(nats, session.sessionId)).toEqual(before);
    expect((await states.load(session.sessionId, { fresh: true })).state.lastEventSeq).toBe(
      before.at(-1)?.seq,
    );
    expect(second.metrics.snapshot()).toMatchObject({
      normalizer_records_duplicate_total: rollbackAfter,
      normalizer_records_folded_total: session.written.length - rollbackAfter,
      normalizer_events_published_total: 0,
      normalizer_events_duplicate_total: before.length - older,
    });
  });

  it('a replica that loses the compare-and-set race hands the record back; its retry is a duplicate', async () => {
    const session = new RawSessionWriter(nats.client, nats.names, newSessionId());
    await session.appendAll(toolRun());
    await foldAsAReplicaWould(session, TOOL_COMPLETED);

    const rivalMetrics = new NormalizerMetrics();
    const rival = normalizerWith(states, rivalMetrics);
    /** Lets the rival fold the same record to the end just before this replica saves its state. */
    class RacedRepository extends FoldStateRepository {
      override async save(sessionId: string, state: FoldState, revision: number | null): Promise<number> {
        await rival.normalize(await rawWorkItemAt(nats, session.written[TOOL_COMPLETED].seq));
        return super.save(sessionId, state, revision);
      }
    }
    const loserMetrics = new NormalizerMetrics();
    const loser = normalizerWith(
      new RacedRepository(await openBucket(nats.client, nats.names.buckets.fold)),
      loserMetrics,
    );

    const item = await rawWorkItemAt(nats, session.written[TOOL_COMPLETED].seq);
    await loser.normalize(item);
    expect(item.outcome).toBe('nak');
    expect(loserMetrics.snapshot()).toMatchObject({
      normalizer_state_conflicts_total: 1,
      normalizer_records_folded_total: 0,
    });
    expect(rivalMetrics.snapshot()).toMatchObject({ normalizer_records_folded_total: 1 });
    // Whichever published first, the other's events were answered as duplicates.
    const published = [loserMetrics, rivalMetrics].map((m) => m.snapshot());
    expect(published.reduce((sum, c) => sum + c.normalizer_events_published_total, 0)).toBe(2);
    expect(published.reduce((sum, c) => sum + c.normalizer_events_duplicate_total, 0)).toBe(2);

    const retry = await rawWorkItemAt(nats, item.seq, 2);
    await normalizerWith(states, loserMetrics).normalize(retry);
    expect(retry.outcome).toBe('ack');
    expect(loserMetrics.snapshot().normalizer_records_duplicate_total).toBe(1);

    const stored = await readSessionEvents(nats, session.sessionId);
    const expected = foldInMemory(session.sessionId, session.written.slice(0, TOOL_COMPLETED + 1));
    expect(stored.map((event) => event.data)).toEqual(expected);
  });

  it('hands back every record folded on a state whose write loses the race, and carries on', async () => {
    const session = new RawSessionWriter(nats.client, nats.names, newSessionId());
    await session.appendAll(toolRun());
    /** Another replica creates the session's state just before this one's first write. */
    class OvertakenRepository extends FoldStateRepository {
      override async save(sessionId: string, state: FoldState, revision: number | null): Promise<number> {
        await states.save(sessionId, initialFoldState(), null).catch(() => undefined);
        return super.save(sessionId, state, revision);
      }
    }
    const metrics = new NormalizerMetrics();
    const normalizer = normalizerWith(
      new OvertakenRepository(await openBucket(nats.client, nats.names.buckets.fold)),
      metrics,
    );

    // Folded and published one after the other; their state waits to be written, and loses.
    const items = [];
    for (const record of session.written.slice(0, 3)) {
      const item = await rawWorkItemAt(nats, record.seq);
      expect(await normalizer.normalizeRun([item])).toBe(1);
      items.push(item);
    }
    await normalizer.settle();
    expect(items.map((item) => item.outcome)).toEqual(['nak', 'nak', 'nak']);
    expect(metrics.snapshot()).toMatchObject({ normalizer_records_folded_total: 0 });
    expect(metrics.snapshot().normalizer_state_conflicts_total).toBeGreaterThan(0);
  });

  it('a replica stopped in the middle of the work leaves no gap and no repeat for the next one', async () => {
    // Enough records that the replica is still busy when it is stopped: runs of them fold quickly, and
    // the first are counted once their state is written, a save delay (100 ms) after they were folded.
    const sessions = Array.from({ length: 10 }, (_, variant) => ({
      writer: new RawSessionWriter(nats.client, nats.names, newSessionId()),
      records: generatedSession(variant, 300),
    }));
    for (let index = 0; index < 300; index++) {
      await Promise.all(sessions.map(({ writer, records }) => writer.append(records[index])));
    }
    const first = await start();
    await waitFor(() => first.metrics.snapshot().normalizer_records_folded_total >= 20, {
      intervalMs: 1,
      what: 'the first replica to be under way',
    });
    await stop(first);
    expect(first.metrics.snapshot().normalizer_records_folded_total).toBeLessThan(3_000);

    await start();
    for (const { writer } of sessions) {
      await waitUntilFolded(states, writer.sessionId, writer.lastSeq);
      const stored = await readSessionEvents(nats, writer.sessionId);
      expect(stored.map((event) => event.data)).toEqual(foldInMemory(writer.sessionId, writer.written));
    }
  });

  it('a replica coming back to a backlog folds each session in runs: the same events, far fewer saves', async () => {
    const sessions = Array.from({ length: 3 }, (_, variant) => ({
      writer: new RawSessionWriter(nats.client, nats.names, newSessionId()),
      records: generatedSession(variant, 150),
    }));
    for (const { writer, records } of sessions) await writer.appendAll(records);

    const normalizer = await start();
    for (const { writer } of sessions) {
      await waitUntilFolded(states, writer.sessionId, writer.lastSeq);
      const stored = await readSessionEvents(nats, writer.sessionId);
      expect(stored.map((event) => event.data)).toEqual(foldInMemory(writer.sessionId, writer.written));
    }
    const counts = normalizer.metrics.snapshot();
    expect(counts.normalizer_records_folded_total).toBe(450);
    // One save per run: records that queued up while their session was busy went together.
    expect(counts.normalizer_fold_runs_total).toBeLessThanOrEqual(45);
    expect(counts.normalizer_state_conflicts_total).toBe(0);
  });

  function normalizerWith(repository: FoldStateRepository, metrics: NormalizerMetrics): RecordNormalizer {
    return new RecordNormalizer(
      repository,
      publisher,
      new RawLogReader(nats.client, nats.names),
      metrics,
      new Logger('test'),
    );
  }
});
