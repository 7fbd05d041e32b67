import { eventId, Header, newSessionId, type SessionEvent } from '@lap/contracts';
import { createTestNats, type TestNats } from '@lap/testing';
import { startNormalizer, type NormalizerCounts, type RunningNormalizer } from '../src';
import { FoldStateRepository } from '../src/normalization/fold-state.repository';
import { foldInMemory } from './support/expected-events';
import { RawSessionWriter } from './support/raw-session-writer';
import { readSessionEvents, waitUntilFolded } from './support/session-events';
import { AGENT_ID, rawRecords } from './support/session-scripts';
import { testNormalizerConfig } from './support/test-config';

describe('normalizer (one replica, real NATS)', () => {
  let nats: TestNats;
  let normalizer: RunningNormalizer;
  let states: FoldStateRepository;

  beforeAll(async () => {
    nats = await createTestNats('norm');
    normalizer = await startNormalizer(testNormalizerConfig(nats));
    states = await FoldStateRepository.open(nats.client, nats.names);
  });
  afterAll(async () => {
    await normalizer?.close();
    await nats?.cleanup();
  });

  const writer = (sessionId = newSessionId()) => new RawSessionWriter(nats.client, nats.names, sessionId);

  /** How much each counter grew while `work` ran. */
  async function countersDuring(work: () => Promise<void>): Promise<Partial<NormalizerCounts>> {
    const before = normalizer.metrics.snapshot();
    await work();
    const after = normalizer.metrics.snapshot();
    const grown = Object.entries(after)
      .map(([name, value]) => [name, value - before[name as keyof NormalizerCounts]] as const)
      .filter(([, delta]) => delta !== 0);
    return Object.fromEntries(grown);
  }

  it('publishes the exact Managed Agents events of a two-run session, chained and with deterministic ids', async () => {
    const session = writer();
    const r = rawRecords();
    const tool = { callId: 'call-1', name: 'read_file' };
    const script = [
      r.message('cmd_1', 'Fix the failing test'),
      r.agentCreated('cmd_1', 'run-1'),
      r.status('run-1', 'CREATING'),
      r.status('run-1', 'RUNNING'),
      r.thinking('run-1'),
      r.assistant('run-1', 'Let me look'),
      r.assistant('run-1', ' at the test.'),
      r.toolCall('run-1', { ...tool, status: 'running', args: { path: 'src/a.spec.ts' } }),
      r.heartbeat('run-1'),
      r.interactionUpdate('run-1'),
      r.toolCall('run-1', { ...tool, status: 'completed', result: 'expect(1).toBe(2)' }),
      r.assistant('run-1', 'Fixed.'),
      r.result('run-1', 'FINISHED'),
      r.done('run-1'),
      r.settled('cmd_1', 'run-1', 'FINISHED', [
        { repoUrl: 'github.com/acme/app', branch: 'cursor/fix', prUrl: 'https://github.com/acme/app/pull/7' },
      ]),
      r.message('cmd_2', 'Thanks, also update the changelog'),
      r.runCreated('cmd_2', 'run-2'),
      r.status('run-2', 'RUNNING'),
      r.assistant('run-2', 'Done.'),
      r.result('run-2', 'FINISHED'),
      r.done('run-2'),
      r.settled('cmd_2', 'run-2', 'FINISHED'),
    ];
    await session.appendAll(script);
    await waitUntilFolded(states, session.sessionId, session.lastSeq);

    const seqOf = (index: number) => session.written[index].seq;
    const atOf = (index: number) => script[index].at;
    // Record index in the script, the event's index within that record, and its body.
    const expected: Array<[number, number, Record<string, unknown>]> = [
      [0, 0, { type: 'user.message', content: [{ type: 'text', text: 'Fix the failing test' }] }],
      [1, 0, { type: 'session.updated', outputs: { cursor_agent_id: AGENT_ID, cursor_run_id: 'run-1' } }],
      [3, 0, { type: 'session.status_running' }],
      [4, 0, { type: 'agent.thinking' }],
      [7, 0, { type: 'agent.message', content: [{ type: 'text', text: 'Let me look at the test.' }] }],
      [
        10,
        0,
        {
          type: 'agent.tool_use',
          id: eventId(session.sessionId, seqOf(10), 0),
          name: 'read_file',
          input: { path: 'src/a.spec.ts' },
        },
      ],
      [
        10,
        1,
        {
          type: 'agent.tool_result',
          tool_use_id: eventId(session.sessionId, seqOf(10), 0),
          content: [{ type: 'text', text: 'expect(1).toBe(2)' }],
          is_error: false,
        },
      ],
      [12, 0, { type: 'agent.message', content: [{ type: 'text', text: 'Fixed.' }] }],
      [
        14,
        0,
        {
          type: 'session.updated',
          outputs: {
            cursor_run_id: 'run-1',
            branches: [
              {
                repository: 'github.com/acme/app',
                branch: 'cursor/fix',
                pr_url: 'https://github.com/acme/app/pull/7',
              },
            ],
          },
        },
      ],
      [14, 1, { type: 'session.status_idle', stop_reason: { type: 'end_turn' } }],
      [
        15,
        0,
        { type: 'user.message', content: [{ type: 'text', text: 'Thanks, also update the changelog' }] },
      ],
      [16, 0, { type: 'session.updated', outputs: { cursor_agent_id: AGENT_ID, cursor_run_id: 'run-2' } }],
      [17, 0, { type: 'session.status_running' }],
      [19, 0, { type: 'agent.message', content: [{ type: 'text', text: 'Done.' }] }],
      [21, 0, { type: 'session.status_idle', stop_reason: { type: 'end_turn' } }],
    ];

    const stored = await readSessionEvents(nats, session.sessionId);
    expect(stored.map((event) => event.data)).toEqual(
      expected.map(([record, index, body]) => ({
        id: eventId(session.sessionId, seqOf(record), index),
        processed_at: atOf(record),
        ...body,
      })),
    );
    stored.forEach((event, i) => {
      expect(event.subject).toBe(nats.names.events(session.sessionId));
      // JetStream keeps its own headers (message id, expectation) too; the platform's are these.
      const platformHeaders = Object.fromEntries(
        Object.entries(event.headers).filter(([name]) => name.startsWith('Lap-')),
      );
      expect(platformHeaders).toEqual({
        [Header.SessionId]: session.sessionId,
        [Header.EventId]: event.data.id,
        [Header.EventType]: event.data.type,
        [Header.EventNumber]: String(i + 1),
      });
    });
    expect(stored).toHaveLength(foldInMemory(session.sessionId, session.written).length);

    const { state } = await states.load(session.sessionId, { fresh: true });
    expect(state.lastRawSeq).toBe(session.lastSeq);
    expect(state.lastEventSeq).toBe(stored.at(-1)?.seq);
    expect(state.numbered).toEqual({ seq: stored.at(-1)?.seq, number: stored.length });
  });

  it('skips poison records without blocking the session, and counts them', async () => {
    const session = writer();
    const r = rawRecords();
    const grown = await countersDuring(async () => {
      await session.appendAll([
        r.message('cmd_1', 'hello'),
        r.agentCreated('cmd_1', 'run-1'),
        r.status('run-1', 'RUNNING'),
      ]);
      await session.appendRaw('{"kind": "cursor.frame", "frame": {', { kind: 'cursor.frame' });
      await session.append(r.assistant('run-1', 'still '));
      await session.appendRaw(JSON.stringify({ kind: 'cursor.teleported', at: 'now' }), {
        kind: 'cursor.teleported',
      });
      await session.appendAll([
        r.assistant('run-1', 'here'),
        r.result('run-1', 'FINISHED'),
        r.settled('cmd_1', 'run-1', 'FINISHED'),
      ]);
      await waitUntilFolded(states, session.sessionId, session.lastSeq);
    });

    const events = (await readSessionEvents(nats, session.sessionId)).map((event) => event.data);
    expect(events).toEqual(foldInMemory(session.sessionId, session.written));
    expect(events.map((event) => event.type)).toEqual([
      'user.message',
      'session.updated',
      'session.status_running',
      'agent.message',
      'session.status_idle',
    ]);
    expect(events[3]).toMatchObject({ content: [{ type: 'text', text: 'still here' }] });
    expect(grown).toMatchObject({ normalizer_records_poison_total: 2, normalizer_records_folded_total: 7 });
  });

  it('places records whose Lap-Prev-Seq is missing or names a record that never comes', async () => {
    const session = writer();
    const r = rawRecords();
    await session.appendAll([
      r.message('cmd_1', 'hello'),
      r.agentCreated('cmd_1', 'run-1'),
      r.status('run-1', 'RUNNING'),
    ]);
    const withoutPrev = r.assistant('run-1', 'one, ');
    await session.appendRaw(JSON.stringify(withoutPrev), { withoutPrevSeq: true, kind: withoutPrev.kind });
    session.written[session.written.length - 1].record = withoutPrev;
    const wrongPrev = r.assistant('run-1', 'two');
    await session.appendRaw(JSON.stringify(wrongPrev), { prevSeq: 1_000_000_000, kind: wrongPrev.kind });
    session.written[session.written.length - 1].record = wrongPrev;
    await session.appendAll([r.result('run-1', 'FINISHED'), r.settled('cmd_1', 'run-1', 'FINISHED')]);
    await waitUntilFolded(states, session.sessionId, session.lastSeq);

    const events = (await readSessionEvents(nats, session.sessionId)).map((event) => event.data);
    expect(events).toEqual(foldInMemory(session.sessionId, session.written));
    expect(events.find((event) => event.type === 'agent.message')).toMatchObject({
      content: [{ type: 'text', text: 'one, two' }],
    });
  });

  it('counts frames of unknown types and malformed frames, which yield no event', async () => {
    const session = writer();
    const r = rawRecords();
    const grown = await countersDuring(async () => {
      await session.appendAll([
        r.message('cmd_1', 'hello'),
        r.agentCreated('cmd_1', 'run-1'),
        r.status('run-1', 'RUNNING'),
        r.assistant('run-1', 'a'),
        r.frame('run-1', 'hologram', { pixels: 3 }),
        r.assistant('run-1', 'b'),
        r.toolCall('run-1', { name: 'read_file', status: 'running' }),
        r.result('run-1', 'FINISHED'),
        r.settled('cmd_1', 'run-1', 'FINISHED'),
      ]);
      await waitUntilFolded(states, session.sessionId, session.lastSeq);
    });

    const events = (await readSessionEvents(nats, session.sessionId)).map((event) => event.data);
    expect(events.map((event: SessionEvent) => event.type)).toEqual([
      'user.message',
      'session.updated',
      'session.status_running',
      'agent.message',
      'session.status_idle',
    ]);
    expect(events[3]).toMatchObject({ content: [{ type: 'text', text: 'ab' }] });
    expect(grown).toMatchObject({ normalizer_unknown_frames_total: 1, normalizer_malformed_frames_total: 1 });
  });

  it('answers /health, /readyz and /metrics', async () => {
    const health = await fetch(`${normalizer.httpUrl}/health`);
    expect(health.status).toBe(200);

    const ready = await fetch(`${normalizer.httpUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', checks: { nats: 'ok' } });

    const metrics = await fetch(`${normalizer.httpUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await metrics.text();
    const counts = normalizer.metrics.snapshot();
    for (const [name, value] of Object.entries(counts)) {
      expect(text).toContain(`# TYPE ${name} counter\n${name} ${value}\n`);
    }
    expect(counts.normalizer_records_folded_total).toBeGreaterThan(0);
    expect(counts.normalizer_events_published_total).toBeGreaterThan(0);
    expect(counts.normalizer_records_poison_total).toBe(2);
  });
});
