import { Header, type CursorFrame, type RawRecord } from '@lap/contracts';
import { FakeRawLog } from '../../test/support/fake-raw-log';
import { MAX_FRAMES_RECORD_BYTES, SessionLog } from './session-log';
import { EMPTY_POSITION } from './session-position';

const at = '2026-01-01T00:00:00.000Z';
const frame = (id: string | null, event: string): CursorFrame => ({ id, event, data: {} });
const frameRecord = (id: string | null, event: string): RawRecord => ({
  kind: 'cursor.frame',
  runId: 'run-1',
  frame: frame(id, event),
  at,
});

function openLog(): { raw: FakeRawLog; log: SessionLog } {
  const raw = new FakeRawLog();
  return { raw, log: new SessionLog(raw.asSubjectLog(), 'sesn_1', 'lap.raw.sesn_1', EMPTY_POSITION) };
}

describe('SessionLog', () => {
  it('keeps its position when an append is answered as a duplicate of an earlier record', async () => {
    const { raw, log } = openLog();
    await log.append(frameRecord(null, 'status'));
    await log.append(frameRecord('10-1', 'assistant'));
    await log.append(frameRecord('10-2', 'assistant'));
    // The same frame again (a server replaying it): stored once, and the runner is not fenced by it.
    expect(await log.append(frameRecord('10-1', 'assistant'))).toMatchObject({ seq: 3 });
    expect(await log.append(frameRecord('10-3', 'tool_call'))).toMatchObject({
      seq: 4,
      lastCursorEventId: '10-3',
    });
    expect(raw.stored.map((entry) => entry.expect)).toEqual([0, 1, 2, 3]);
  });

  it('moves on when the duplicate is its own append whose ack was lost', async () => {
    const { raw, log } = openLog();
    await log.append(frameRecord(null, 'status'));
    // The record landed but its ack never came back: stored behind the runner's back.
    await raw.appendEncoded('lap.raw.sesn_1', new TextEncoder().encode('{}'), {
      msgId: 'sesn_1:run-1:10-1',
      expectLastSubjectSeq: 1,
    });
    expect(await log.append(frameRecord('10-1', 'assistant'))).toMatchObject({
      seq: 2,
      lastCursorEventId: '10-1',
    });
    expect(await log.append(frameRecord('10-2', 'assistant'))).toMatchObject({ seq: 3 });
  });

  it('records frames that arrived together in one record, id-less ones on their own', async () => {
    const { raw, log } = openLog();
    const position = await log.appendFrames(
      'run-1',
      [
        frame(null, 'status'),
        frame('10-1', 'assistant'),
        frame('10-2', 'thinking'),
        frame('10-3', 'assistant'),
        frame(null, 'heartbeat'),
        frame('10-4', 'assistant'),
      ],
      at,
    );
    expect(raw.stored.map((entry) => entry.record.kind)).toEqual([
      'cursor.frame',
      'cursor.frames',
      'cursor.frame',
      'cursor.frame',
    ]);
    expect(raw.stored[1].record).toMatchObject({ frames: [{ id: '10-1' }, { id: '10-2' }, { id: '10-3' }] });
    // Named after its first frame; its headers say where the stream stands after it.
    expect(raw.stored[1].msgId).toBe('sesn_1:run-1:10-1');
    expect(raw.stored[1].headers[Header.CursorLastEventId]).toBe('10-3');
    expect(raw.stored.map((entry) => entry.expect)).toEqual([0, 1, 2, 3]);
    expect(position).toMatchObject({ seq: 4, lastCursorEventId: '10-4' });
  });

  it('cuts a record of many large frames in two', async () => {
    const { raw, log } = openLog();
    const big = (id: string): CursorFrame => ({
      id,
      event: 'tool_call',
      data: { text: 'x'.repeat(MAX_FRAMES_RECORD_BYTES / 3) },
    });
    await log.appendFrames('run-1', [big('10-1'), big('10-2'), big('10-3'), big('10-4')], at);
    expect(raw.stored.map((entry) => entry.record)).toMatchObject([
      { kind: 'cursor.frames', frames: [{ id: '10-1' }, { id: '10-2' }] },
      { kind: 'cursor.frames', frames: [{ id: '10-3' }, { id: '10-4' }] },
    ]);
  });

  it('appends nothing after a record of the frames failed', async () => {
    const { raw, log } = openLog();
    await log.appendFrames('run-1', [frame(null, 'status')], at);
    // Another writer took the session: the first record is fenced, and the frames after it must not be
    // stored behind it.
    raw.stored.push({ msgId: 'other', headers: {}, record: frameRecord(null, 'status') });
    await expect(
      log.appendFrames(
        'run-1',
        [frame('10-1', 'assistant'), frame(null, 'heartbeat'), frame('10-2', 'x')],
        at,
      ),
    ).rejects.toThrow('wrong last sequence');
    expect(raw.stored).toHaveLength(2);
  });

  it('records an interrupt against the run the log names when it goes in, not when it was asked', async () => {
    const { raw, log } = openLog();
    await log.append({ kind: 'message.taken', commandId: 'cmd_1', text: 'hi', at });
    // The run's create record is still going in when the interrupt is asked for.
    const created = log.append({
      kind: 'cursor.agent_created',
      commandId: 'cmd_1',
      agentId: 'bc-1',
      runId: 'run-1',
      at,
    });
    const interrupted = log.appendInterrupt('cmd_2', at);
    await Promise.all([created, interrupted]);
    expect(raw.stored.map((entry) => entry.record)).toMatchObject([
      { kind: 'message.taken' },
      { kind: 'cursor.agent_created' },
      { kind: 'interrupt.taken', commandId: 'cmd_2', runId: 'run-1' },
    ]);
  });
});
