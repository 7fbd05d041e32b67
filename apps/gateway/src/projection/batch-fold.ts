import type { SessionEvent, SessionOutputs } from '@lap/contracts';
import type { SessionStatus } from '../sessions/session.entity';
import { sessionStatusAfter } from '../sessions/session-status';

/** One event of a session, as delivered from `<P>_EVENTS`. */
export interface EventToProject {
  seq: number;
  /** Its `Lap-Event-Number` (its place among the session's events), when the publisher numbered it. */
  number: number | undefined;
  event: SessionEvent;
  /** The event's JSON text exactly as published, for the event list. */
  body: string;
}

/**
 * applied: the session row moved to this event. stale: the row is already past it (the event was
 * projected before). no_session: no row to update (the event is still listed).
 */
export type ProjectionOutcome = 'applied' | 'stale' | 'no_session';

/** The part of a `sessions` row that its events move. */
export interface ProjectedSession {
  status: SessionStatus;
  outputs: SessionOutputs;
  lastEventSeq: number;
  /** That event's number; null when it had none (or the row predates numbering). */
  lastEventNumber: number | null;
}

export interface FoldedBatch {
  session: ProjectedSession;
  /** One per event, in the batch's order. */
  outcomes: ProjectionOutcome[];
  /** False when no event applied: the row needs no update. */
  changed: boolean;
}

/**
 * Folds a session's events, in stream order, onto its row: the same rules as one event at a time.
 * Events come in stream order, so an event's predecessor was folded before it, or is gone from the
 * stream for good: nothing waits.
 */
export function foldBatch(session: ProjectedSession, events: readonly EventToProject[]): FoldedBatch {
  let current = session;
  const outcomes = events.map((input): ProjectionOutcome => {
    if (input.seq <= current.lastEventSeq) return 'stale';
    current = applyEvent(current, input);
    return 'applied';
  });
  return { session: current, outcomes, changed: current !== session };
}

function applyEvent(session: ProjectedSession, { seq, number, event }: EventToProject): ProjectedSession {
  return {
    status: sessionStatusAfter(session.status, event),
    outputs: event.type === 'session.updated' ? { ...session.outputs, ...event.outputs } : session.outputs,
    lastEventSeq: seq,
    lastEventNumber: number ?? null,
  };
}
