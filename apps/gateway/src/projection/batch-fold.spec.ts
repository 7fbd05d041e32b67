import type { SessionEventBody } from '@lap/contracts';
import { foldBatch, type EventToProject, type ProjectedSession } from './batch-fold';

const pending: ProjectedSession = { status: 'pending', outputs: {}, lastEventSeq: 0 };

/** An event at `seq` whose predecessor is `prevSeq` (the previous event of the session by default). */
function at(
  seq: number,
  body: SessionEventBody,
  options: Partial<Pick<EventToProject, 'prevSeq' | 'ignoreMissingPredecessor'>> = {},
): EventToProject {
  return {
    seq,
    prevSeq: 'prevSeq' in options ? options.prevSeq : seq - 1,
    event: { ...body, id: `sevt_${seq}`, processed_at: '2025-01-01T00:00:00Z' } as EventToProject['event'],
    ignoreMissingPredecessor: options.ignoreMissingPredecessor ?? false,
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
    const session: ProjectedSession = { status: 'running', outputs: {}, lastEventSeq: 10 };
    const folded = foldBatch(session, [at(9, idle), at(10, idle), at(11, message), at(11, message)]);
    expect(folded.outcomes).toEqual(['stale', 'stale', 'applied', 'stale']);
    expect(folded.session).toEqual({ status: 'running', outputs: {}, lastEventSeq: 11 });
  });

  it('changes nothing when every event is stale', () => {
    const session: ProjectedSession = { status: 'idle', outputs: { cursor_run_id: 'r' }, lastEventSeq: 7 };
    const folded = foldBatch(session, [at(6, running), at(7, running)]);
    expect(folded).toEqual({ session, outcomes: ['stale', 'stale'], changed: false });
  });

  it('stops at a missing predecessor: the events before it apply, it and the ones after it wait', () => {
    const folded = foldBatch(pending, [
      at(1, running),
      at(2, message),
      at(4, message, { prevSeq: 3 }),
      at(5, idle),
      // Names no predecessor, yet comes after the gap: applying it would skip sequence 3.
      at(6, message, { prevSeq: undefined }),
    ]);
    expect(folded.outcomes).toEqual(['applied', 'applied', 'waiting', 'waiting', 'waiting']);
    expect(folded.session).toEqual({ status: 'running', outputs: {}, lastEventSeq: 2 });
    expect(folded.changed).toBe(true);
  });

  it('applies past a predecessor that is never coming', () => {
    const folded = foldBatch(pending, [
      at(4, running, { prevSeq: 3, ignoreMissingPredecessor: true }),
      at(5, idle),
    ]);
    expect(folded.outcomes).toEqual(['applied', 'applied']);
    expect(folded.session.lastEventSeq).toBe(5);
  });

  it('applies events that name no predecessor', () => {
    const folded = foldBatch(pending, [at(3, running, { prevSeq: undefined })]);
    expect(folded.outcomes).toEqual(['applied']);
  });
});
