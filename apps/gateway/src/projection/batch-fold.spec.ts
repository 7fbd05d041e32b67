import type { SessionEventBody } from '@lap/contracts';
import { foldBatch, type EventToProject, type ProjectedSession } from './batch-fold';

const pending: ProjectedSession = { status: 'pending', outputs: {}, lastEventSeq: 0, lastEventNumber: 0 };

/**
 * An event at `seq`, numbered `number` in its session (by default `seq`: in these tests the stream holds
 * one session).
 */
function at(
  seq: number,
  body: SessionEventBody,
  options: Partial<Pick<EventToProject, 'number'>> = {},
): EventToProject {
  const event = {
    ...body,
    id: `sevt_${seq}`,
    processed_at: '2025-01-01T00:00:00Z',
  } as EventToProject['event'];
  return {
    seq,
    number: 'number' in options ? options.number : seq,
    event,
    body: JSON.stringify(event),
  };
}

const running: SessionEventBody = { type: 'session.status_running' };
const idle: SessionEventBody = { type: 'session.status_idle', stop_reason: { type: 'end_turn' } };
const message: SessionEventBody = { type: 'agent.message', content: [{ type: 'text', text: 'hi' }] };
const terminalError: SessionEventBody = {
  type: 'session.error',
  error: { type: 'authentication_error', message: 'bad key', retry_status: { type: 'terminal' } },
};

describe('foldBatch', () => {
  it('applies the events in order: status, merged outputs, last sequence', () => {
    const folded = foldBatch(pending, [
      at(1, running),
      at(2, { type: 'session.updated', outputs: { cursor_agent_id: 'bc-1' } }),
      at(3, message),
      at(4, { type: 'session.updated', outputs: { cursor_run_id: 'run-1' } }),
      at(5, idle),
    ]);
    expect(folded).toEqual({
      session: {
        status: 'idle',
        outputs: { cursor_agent_id: 'bc-1', cursor_run_id: 'run-1' },
        lastEventSeq: 5,
        lastEventNumber: 5,
      },
      outcomes: ['applied', 'applied', 'applied', 'applied', 'applied'],
      changed: true,
    });
  });

  it('keeps error through the idle that closes the failed run, as one event at a time does', () => {
    const folded = foldBatch(pending, [at(1, running), at(2, terminalError), at(3, idle)]);
    expect(folded.session.status).toBe('error');
  });

  it('skips events the row is already past, and a duplicate inside the batch', () => {
    const session: ProjectedSession = {
      status: 'running',
      outputs: {},
      lastEventSeq: 10,
      lastEventNumber: 10,
    };
    const folded = foldBatch(session, [at(9, idle), at(10, idle), at(11, message), at(11, message)]);
    expect(folded.outcomes).toEqual(['stale', 'stale', 'applied', 'stale']);
    expect(folded.session).toEqual({ status: 'running', outputs: {}, lastEventSeq: 11, lastEventNumber: 11 });
  });

  it('changes nothing when every event is stale', () => {
    const session: ProjectedSession = {
      status: 'idle',
      outputs: { cursor_run_id: 'r' },
      lastEventSeq: 7,
      lastEventNumber: 7,
    };
    const folded = foldBatch(session, [at(6, running), at(7, running)]);
    expect(folded).toEqual({ session, outcomes: ['stale', 'stale'], changed: false });
  });

  it('applies past a number that is missing: in stream order, a predecessor not seen is gone for good', () => {
    const folded = foldBatch(pending, [
      at(1, running),
      // Number 2 was deleted from the stream (sequences need not be consecutive either).
      at(5, message, { number: 3 }),
      at(6, idle, { number: 4 }),
    ]);
    expect(folded.outcomes).toEqual(['applied', 'applied', 'applied']);
    expect(folded.session).toEqual({ status: 'idle', outputs: {}, lastEventSeq: 6, lastEventNumber: 4 });
  });

  it('applies events that are not numbered, and then does not know the number (a row from before numbering)', () => {
    const folded = foldBatch(pending, [at(3, running, { number: undefined })]);
    expect(folded.outcomes).toEqual(['applied']);
    expect(folded.session.lastEventNumber).toBeNull();
    const unknown: ProjectedSession = { ...pending, lastEventSeq: 3, lastEventNumber: null };
    expect(foldBatch(unknown, [at(8, idle)]).outcomes).toEqual(['applied']);
  });
});
