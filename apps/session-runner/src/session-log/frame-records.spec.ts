import type { CursorFrame } from '@lap/contracts';
import { frameRecords, MAX_FRAMES_PER_RECORD, unrecordedFrames } from './frame-records';

const frame = (id: string | null, event = 'assistant'): CursorFrame => ({ id, event, data: {} });
const at = '2026-01-01T00:00:00.000Z';

describe('frameRecords', () => {
  it('puts frames with ids together, up to the most a record holds', () => {
    const frames = Array.from({ length: MAX_FRAMES_PER_RECORD + 3 }, (_, i) => frame(`10-${i + 1}`));
    const records = frameRecords('run-1', frames, at);
    expect(records.map((record) => record.kind)).toEqual(['cursor.frames', 'cursor.frames']);
    expect(records.map((record) => (record.kind === 'cursor.frames' ? record.frames.length : 1))).toEqual([
      MAX_FRAMES_PER_RECORD,
      3,
    ]);
  });

  it('keeps an id-less frame alone, and a lone frame in a cursor.frame record', () => {
    const records = frameRecords(
      'run-1',
      [frame(null, 'status'), frame('10-1'), frame(null, 'heartbeat')],
      at,
    );
    expect(records).toEqual([
      { kind: 'cursor.frame', runId: 'run-1', frame: frame(null, 'status'), at },
      { kind: 'cursor.frame', runId: 'run-1', frame: frame('10-1'), at },
      { kind: 'cursor.frame', runId: 'run-1', frame: frame(null, 'heartbeat'), at },
    ]);
  });
});

describe('unrecordedFrames', () => {
  it('drops frames at or before the last recorded id, in Cursor id order (ms, then sequence)', () => {
    const frames = [frame('1700-9'), frame('1700-10'), frame('1700-11'), frame('1701-1')];
    expect(unrecordedFrames(frames, '1700-10').map((f) => f.id)).toEqual(['1700-11', '1701-1']);
  });

  it('keeps id-less frames, frames it cannot compare, and everything when nothing is recorded yet', () => {
    const frames = [frame(null, 'status'), frame('1700-1'), frame('not-an-id')];
    expect(unrecordedFrames(frames, '1700-5')).toEqual([frame(null, 'status'), frame('not-an-id')]);
    expect(unrecordedFrames(frames, null)).toEqual(frames);
    expect(unrecordedFrames(frames, 'opaque')).toEqual(frames);
  });
});
