import { Header, type CursorFrame, type RawRecord } from '@lap/contracts';
import {
  decodeJson,
  type AppendOptions,
  type Appended,
  type StoredRecord,
  type SubjectLog,
} from '@lap/messaging';
import { SessionLog, MAX_FRAMES_RECORD_BYTES } from './session-log';
import { EMPTY_POSITION } from './session-position';

interface Stored {
  msgId: string;
  expect?: number;
  headers: Record<string, string>;
  record: RawRecord;
}

/** A subject log that stores by message id, answering a repeated id as JetStream does: "duplicate". */
class FakeRawLog {
  readonly stored: Stored[] = [];

  async appendEncoded(_subject: string, payload: Uint8Array, options: AppendOptions): Promise<Appended> {
    const earlier = this.stored.findIndex((entry) => entry.msgId === options.msgId);
    if (earlier >= 0) return { seq: earlier + 1, duplicate: true };
    if (options.expectLastSubjectSeq !== this.stored.length) throw new Error('wrong last sequence');
    this.stored.push({
      msgId: options.msgId,
      expect: options.expectLastSubjectSeq,
      headers: options.headers ?? {},
      record: decodeJson<RawRecord>(payload),
    });
    return { seq: this.stored.length, duplicate: false };
  }

  async at<T>(seq: number): Promise<StoredRecord<T> | null> {
    const entry = this.stored[seq - 1];
    if (!entry) return null;
    return {
      seq,
      subject: 'lap.raw.sesn_1',
      headers: entry.headers,
      data: entry.record as T,
      time: new Date(),
    };
  }
}

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
  return {
    raw,
    log: new SessionLog(raw as unknown as SubjectLog, 'sesn_1', 'lap.raw.sesn_1', EMPTY_POSITION),
  };
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
      headers: { [Header.CursorLastEventId]: '10-1', [Header.RunState]: 'live' },
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
    expect(raw.stored[1].msgId).toBe('sesn_1:run-1:10-1');
    expect(raw.stored[1].headers[Header.CursorLastEventId]).toBe('10-3');
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

  it('takes the stored cut when a retry groups frames differently from its lost attempt', async () => {
    const { raw, log } = openLog();
    await log.appendFrames('run-1', [frame(null, 'status')], at);
    // An earlier attempt stored 10-1 and 10-2 together, and its ack was lost; the stream was resumed
    // and this time 10-1 to 10-4 arrived together.
    const lost = new SessionLog(raw as unknown as SubjectLog, 'sesn_1', 'lap.raw.sesn_1', log.position);
    await lost.appendFrames('run-1', [frame('10-1', 'assistant'), frame('10-2', 'assistant')], at);
    const position = await log.appendFrames(
      'run-1',
      [
        frame('10-1', 'assistant'),
        frame('10-2', 'assistant'),
        frame('10-3', 'assistant'),
        frame('10-4', 'assistant'),
      ],
      at,
    );
    // Where the log really stands: the caller resumes the stream after 10-2, so 10-3 is not lost.
    expect(position).toMatchObject({ seq: 2, lastCursorEventId: '10-2' });
    expect(raw.stored).toHaveLength(2);
    expect(
      await log.appendFrames('run-1', [frame('10-3', 'assistant'), frame('10-4', 'assistant')], at),
    ).toMatchObject({
      seq: 3,
      lastCursorEventId: '10-4',
    });
  });
});
