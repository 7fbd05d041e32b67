import type { RawRecord } from '@lap/contracts';
import {
  advance,
  EMPTY_POSITION,
  positionFromHeaders,
  positionHeaders,
  recordMessageId,
} from './session-position';

const at = '2026-01-01T00:00:00.000Z';

describe('session position', () => {
  it('follows a run and survives a round trip through headers', () => {
    const records: RawRecord[] = [
      { kind: 'message.taken', commandId: 'cmd_1', text: 'hi', at },
      { kind: 'cursor.agent_created', commandId: 'cmd_1', agentId: 'bc-1', runId: 'run-1', at },
      { kind: 'cursor.frame', runId: 'run-1', frame: { id: null, event: 'status', data: {} }, at },
      { kind: 'cursor.frame', runId: 'run-1', frame: { id: '10-1', event: 'assistant', data: {} }, at },
      { kind: 'cursor.frame', runId: 'run-1', frame: { id: null, event: 'status', data: {} }, at },
    ];
    let position = EMPTY_POSITION;
    records.forEach((record, i) => {
      position = positionFromHeaders(i + 1, positionHeaders(advance(position, record)));
    });
    expect(position).toEqual({
      seq: 5,
      commandId: 'cmd_1',
      agentId: 'bc-1',
      runId: 'run-1',
      runState: 'live',
      lastCursorEventId: '10-1',
      interruptedBeforeRun: false,
    });
    const settled = advance(position, {
      kind: 'run.settled',
      commandId: 'cmd_1',
      runId: 'run-1',
      status: 'FINISHED',
      source: 'result',
      at,
    });
    expect(settled.runState).toBe('settled');
    const next = advance(
      { ...settled, seq: 6 },
      { kind: 'message.taken', commandId: 'cmd_2', text: 'more', at },
    );
    expect(next).toMatchObject({ commandId: 'cmd_2', agentId: 'bc-1', runId: null, runState: 'none' });
  });

  it('carries an interrupt taken before the run was created until the run settles', () => {
    const through = (records: RawRecord[]) =>
      records.reduce(
        (position, record, i) => positionFromHeaders(i + 1, positionHeaders(advance(position, record))),
        EMPTY_POSITION,
      );
    const taken: RawRecord = { kind: 'message.taken', commandId: 'cmd_1', text: 'hi', at };
    const interrupt: RawRecord = { kind: 'interrupt.taken', commandId: 'cmd_2', runId: null, at };
    const created: RawRecord = {
      kind: 'cursor.agent_created',
      commandId: 'cmd_1',
      agentId: 'bc-1',
      runId: 'run-1',
      at,
    };
    const frame: RawRecord = {
      kind: 'cursor.frame',
      runId: 'run-1',
      frame: { id: '10-1', event: 'assistant', data: {} },
      at,
    };
    const settled: RawRecord = {
      kind: 'run.settled',
      commandId: 'cmd_1',
      runId: 'run-1',
      status: 'CANCELLED',
      source: 'result',
      at,
    };
    expect(through([taken, interrupt]).interruptedBeforeRun).toBe(true);
    expect(through([taken, interrupt, created, frame])).toMatchObject({
      runState: 'live',
      interruptedBeforeRun: true,
    });
    expect(through([taken, interrupt, created, frame, settled]).interruptedBeforeRun).toBe(false);
    // Interrupting an idle session, or a live run (cancelled at once), leaves nothing for later.
    expect(through([interrupt]).interruptedBeforeRun).toBe(false);
    expect(through([taken, created, interrupt]).interruptedBeforeRun).toBe(false);
    expect(through([taken, created, frame, settled, interrupt]).interruptedBeforeRun).toBe(false);
    expect(through([taken, interrupt, created, settled, taken]).interruptedBeforeRun).toBe(false);
  });

  it('gives the id-less status frame one message id per resume point', () => {
    const status: RawRecord = {
      kind: 'cursor.frame',
      runId: 'run-1',
      frame: { id: null, event: 'status', data: {} },
      at,
    };
    const atStart = recordMessageId('sesn_1', EMPTY_POSITION, status);
    const later = recordMessageId('sesn_1', { ...EMPTY_POSITION, lastCursorEventId: '10-4' }, status);
    expect(atStart).toBe('sesn_1:run-1:status@start');
    expect(later).toBe('sesn_1:run-1:status@10-4');
    const frame: RawRecord = {
      kind: 'cursor.frame',
      runId: 'run-1',
      frame: { id: '10-5', event: 'assistant', data: {} },
      at,
    };
    expect(recordMessageId('sesn_1', EMPTY_POSITION, frame)).toBe('sesn_1:run-1:10-5');
    // A closing connection's id-less `error` and `done` do not collide with the next status frame.
    const unavailable: RawRecord = {
      kind: 'cursor.frame',
      runId: 'run-1',
      frame: { id: null, event: 'error', data: { code: 'stream_unavailable' } },
      at,
    };
    expect(recordMessageId('sesn_1', { ...EMPTY_POSITION, lastCursorEventId: '10-4' }, unavailable)).toBe(
      'sesn_1:run-1:error@10-4',
    );
  });
});
