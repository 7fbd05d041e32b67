import { z } from 'zod';
import {
  cursorFramesOf,
  Header,
  newCommandId,
  newSessionId,
  type RawRecord,
  type SessionCommand,
} from '@lap/contracts';
import { decodeJson, encodeJson } from '@lap/messaging';
import { waitFor, type TestNats } from '@lap/testing';
import type { RunningSessionRunner } from '@lap/session-runner';
import { RunnerTestBed } from './support/runner-test-bed';
import { userMessage as message } from './support/session-commands';

const KEYS: Record<string, string> = { alice: 'cursor-key-alice-1234', mallory: 'rejected-key-9999' };

describe('session runner against NATS and the Cursor emulator', () => {
  let bed: RunnerTestBed;
  let nats: TestNats;
  let emulator: RunnerTestBed['emulator'];
  let runner: RunningSessionRunner;

  beforeAll(async () => {
    bed = await RunnerTestBed.open('runner', KEYS, { frameIntervalMs: 2, rejectedApiKeys: [KEYS.mallory] });
    ({ nats, emulator } = bed);
    runner = await bed.startRunner(
      bed.runnerConfig({ LOG_LEVEL: 'warn', CURSOR_RETRY_BASE_MS: 20, CURSOR_RETRY_MAX_DELAY_MS: 200 }),
    );
  });

  afterAll(async () => {
    await bed?.close();
  });

  const send = (command: SessionCommand) => bed.send(command);
  const rawRecords = (sessionId: string) => bed.rawRecords(sessionId);

  const settledCount = async (sessionId: string) =>
    (await rawRecords(sessionId)).filter(
      (r) => r.record.kind === 'run.settled' || r.record.kind === 'runner.error',
    ).length;

  it('runs a first message through Cursor and records every frame, then releases the command', async () => {
    const sessionId = newSessionId();
    await send(message(sessionId, 'Fix the failing tests in src/utils.ts'));
    await waitFor(async () => (await settledCount(sessionId)) === 1, { what: 'the run to settle' });

    const records = await rawRecords(sessionId);
    const kinds = records.flatMap((r) =>
      r.record.kind === 'cursor.frame' || r.record.kind === 'cursor.frames'
        ? cursorFramesOf(r.record).map((frame) => `frame:${frame.event}`)
        : [r.record.kind],
    );
    expect(kinds[0]).toBe('message.taken');
    expect(kinds[1]).toBe('cursor.agent_created');
    expect(kinds[2]).toBe('frame:status');
    expect(kinds).toEqual(expect.arrayContaining(['frame:assistant', 'frame:tool_call', 'frame:result']));
    expect(kinds[kinds.length - 1]).toBe('run.settled');
    const settled = records[records.length - 1].record;
    expect(settled).toMatchObject({ kind: 'run.settled', status: 'FINISHED', source: 'result' });

    // Each record names its predecessor, and the frames' ids are unique (nothing published twice).
    records.forEach((r, i) =>
      expect(Number(r.headers[Header.PrevSeq])).toBe(i === 0 ? 0 : records[i - 1].seq),
    );
    const frameIds = records.flatMap((r) => cursorFramesOf(r.record).flatMap((frame) => frame.id ?? []));
    expect(new Set(frameIds).size).toBe(frameIds.length);

    // The session's repository context reaches Cursor.
    const created = records[1].record as Extract<RawRecord, { kind: 'cursor.agent_created' }>;
    const agent = await fetch(`${emulator.url}/v1/agents/${created.agentId}`, {
      headers: { authorization: `Bearer ${KEYS.alice}` },
    }).then((r) => r.json() as Promise<{ repos: unknown }>);
    expect(agent.repos).toEqual([{ url: 'https://github.com/acme/app', startingRef: 'main' }]);

    await waitFor(
      async () => (await nats.client.jsm.streams.info(nats.names.streams.commands)).state.messages === 0,
      {
        what: 'the command to be acked',
      },
    );
  });

  it('records a burst of frames several to a record, every frame once and in order', async () => {
    const sessionId = newSessionId();
    await send(message(sessionId, 'Stream fast [scenario:bench][frames:1500][frame_bytes:64][pace:0]'));
    await waitFor(async () => (await settledCount(sessionId)) === 1, { what: 'the run to settle' });

    const records = await rawRecords(sessionId);
    const withFrames = records.filter((r) => cursorFramesOf(r.record).length > 0);
    const frames = withFrames.flatMap((r) => cursorFramesOf(r.record));
    const content = frames.filter((frame) => frame.event === 'assistant' || frame.event === 'thinking');
    expect(content).toHaveLength(1500);
    // Frames that came while the runner was recording the ones before share a record.
    expect(records.some((r) => r.record.kind === 'cursor.frames')).toBe(true);
    expect(withFrames.length).toBeLessThan(frames.length);
    // Cursor's ids (`<ms>-<n>`) come in stream order, each once.
    const numbers = frames.flatMap((frame) => (frame.id ? [Number(frame.id.split('-')[1])] : []));
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect(new Set(numbers).size).toBe(numbers.length);
    // Each record tells where the stream stands after it: the resume point of a runner taking over.
    for (const r of withFrames) {
      const ids = cursorFramesOf(r.record).flatMap((frame) => frame.id ?? []);
      if (ids.length > 0) expect(r.headers[Header.CursorLastEventId]).toBe(ids[ids.length - 1]);
    }
  });

  it('sends a follow-up as a new run on the same Cursor agent', async () => {
    const sessionId = newSessionId();
    await send(message(sessionId, 'First [scenario:long] [pace:5]'));
    await send(message(sessionId, 'And now the docs'));
    await waitFor(async () => (await settledCount(sessionId)) === 2, {
      what: 'both runs to settle',
      timeoutMs: 40_000,
    });
    const records = (await rawRecords(sessionId)).map((r) => r.record);
    const created = records.filter(
      (r) => r.kind === 'cursor.agent_created' || r.kind === 'cursor.run_created',
    );
    expect(created.map((r) => r.kind)).toEqual(['cursor.agent_created', 'cursor.run_created']);
    const [first, second] = created as Array<Extract<RawRecord, { agentId: string }>>;
    expect(second.agentId).toBe(first.agentId);
    expect(second.runId).not.toBe(first.runId);
    // The follow-up was taken only after the first run settled: messages queue behind a live run.
    const order = records.map((r) => r.kind);
    expect(order.lastIndexOf('message.taken')).toBeGreaterThan(order.indexOf('run.settled'));
  });

  it('interrupts a live run: the run is cancelled and settles as CANCELLED', async () => {
    const sessionId = newSessionId();
    await send(message(sessionId, 'Work forever [scenario:hang]'));
    await waitFor(
      async () => (await rawRecords(sessionId)).some((r) => cursorFramesOf(r.record).length > 0),
      {
        what: 'the run to stream',
      },
    );
    await send({
      type: 'user.interrupt',
      commandId: newCommandId(),
      sessionId,
      ownerId: 'alice',
      issuedAt: new Date().toISOString(),
    });
    await waitFor(async () => (await settledCount(sessionId)) === 1, { what: 'the cancelled run to settle' });
    const records = (await rawRecords(sessionId)).map((r) => r.record);
    expect(records.some((r) => r.kind === 'interrupt.taken')).toBe(true);
    expect(records[records.length - 1]).toMatchObject({ kind: 'run.settled', status: 'CANCELLED' });
  });

  it('records and cancels for a runner of the previous version, whose request names no `record`', async () => {
    const sessionId = newSessionId();
    await send(message(sessionId, 'Work forever [scenario:hang]'));
    await waitFor(
      async () => (await rawRecords(sessionId)).some((r) => cursorFramesOf(r.record).length > 0),
      { what: 'the run to stream' },
    );
    const commandId = newCommandId();
    const reply = await nats.client.connection.request(
      nats.names.control(sessionId),
      encodeJson({ type: 'interrupt', commandId }),
      { timeout: 5_000 },
    );
    expect(decodeJson(reply.data)).toEqual({ ok: true });
    await waitFor(async () => (await settledCount(sessionId)) === 1, { what: 'the cancelled run to settle' });
    const records = (await rawRecords(sessionId)).map((r) => r.record);
    expect(records.filter((r) => r.kind === 'interrupt.taken')).toMatchObject([{ commandId }]);
    expect(records[records.length - 1]).toMatchObject({ kind: 'run.settled', status: 'CANCELLED' });
  });

  it('turns a rejected key into an error a person can act on', async () => {
    const sessionId = newSessionId();
    await send(message(sessionId, 'Hello', 'mallory'));
    await waitFor(async () => (await settledCount(sessionId)) === 1, { what: 'the runner error' });
    const last = (await rawRecords(sessionId)).pop()!.record;
    expect(last).toMatchObject({ kind: 'runner.error', error: { type: 'authentication_error' } });
    expect((last as Extract<RawRecord, { kind: 'runner.error' }>).error.message).toMatch(
      /^Cursor rejected the API key/,
    );
    expect(JSON.stringify(await rawRecords(sessionId))).not.toContain(KEYS.mallory);
  });

  it('reports a missing key with the way to add one', async () => {
    const sessionId = newSessionId();
    await send(message(sessionId, 'Hello', 'nobody'));
    await waitFor(async () => (await settledCount(sessionId)) === 1, { what: 'the runner error' });
    const last = (await rawRecords(sessionId)).pop()!.record;
    expect(last).toMatchObject({
      kind: 'runner.error',
      error: {
        type: 'authentication_error',
        message: expect.stringContaining('PUT /api/agent-runtimes/cursor/credentials'),
      },
    });
  });

  it('answers /readyz', async () => {
    const response = await fetch(`${runner.httpUrl}/readyz`);
    expect(response.status).toBe(200);
    expect(z.object({ status: z.literal('ok') }).parse(await response.json())).toBeTruthy();
  });
});
