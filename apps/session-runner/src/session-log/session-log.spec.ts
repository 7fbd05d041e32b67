import type { RawRecord } from '@lap/contracts';
import type { AppendOptions, Appended, SubjectLog } from '@lap/messaging';
import { SessionLog } from './session-log';
import { EMPTY_POSITION } from './session-position';

/** A subject log that stores by message id, answering a repeated id as JetStream does: "duplicate". */
class FakeRawLog {
  readonly stored: Array<{ msgId: string; expect?: number }> = [];

  async append(_subject: string, _record: unknown, options: AppendOptions): Promise<Appended> {
    const earlier = this.stored.findIndex((entry) => entry.msgId === options.msgId);
    if (earlier >= 0) return { seq: earlier + 1, duplicate: true };
    if (options.expectLastSubjectSeq !== this.stored.length) throw new Error('wrong last sequence');
    this.stored.push({ msgId: options.msgId, expect: options.expectLastSubjectSeq });
    return { seq: this.stored.length, duplicate: false };
  }
}

const at = '2026-01-01T00:00:00.000Z';
const frame = (id: string | null, event: string): RawRecord => ({
  kind: 'cursor.frame',
  runId: 'run-1',
  frame: { id, event, data: {} },
  at,
});

describe('SessionLog', () => {
  it('keeps its position when an append is answered as a duplicate of an earlier record', async () => {
    const raw = new FakeRawLog();
    const log = new SessionLog(raw as unknown as SubjectLog, 'sesn_1', 'lap.raw.sesn_1', EMPTY_POSITION);
    await log.append(frame(null, 'status'));
    await log.append(frame('10-1', 'assistant'));
    await log.append(frame('10-2', 'assistant'));
    // The same frame again (a server replaying it): stored once, and the runner is not fenced by it.
    expect(await log.append(frame('10-1', 'assistant'))).toMatchObject({ seq: 3 });
    expect(await log.append(frame('10-3', 'tool_call'))).toMatchObject({
      seq: 4,
      lastCursorEventId: '10-3',
    });
    expect(raw.stored.map((entry) => entry.expect)).toEqual([0, 1, 2, 3]);
  });

  it('moves on when the duplicate is its own append whose ack was lost', async () => {
    const raw = new FakeRawLog();
    const log = new SessionLog(raw as unknown as SubjectLog, 'sesn_1', 'lap.raw.sesn_1', EMPTY_POSITION);
    await log.append(frame(null, 'status'));
    // The record landed but its ack never came back: stored behind the runner's back.
    await raw.append('lap.raw.sesn_1', {}, { msgId: 'sesn_1:run-1:10-1', expectLastSubjectSeq: 1 });
    expect(await log.append(frame('10-1', 'assistant'))).toMatchObject({ seq: 2, lastCursorEventId: '10-1' });
    expect(await log.append(frame('10-2', 'assistant'))).toMatchObject({ seq: 3 });
  });
});
