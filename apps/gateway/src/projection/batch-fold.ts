import { followsEventNumber, type SessionEvent, type SessionOutputs } from '@lap/contracts';
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
  /** Apply even when the predecessor has not been projected (it is never coming). */
  ignoreMissingPredecessor: boolean;
}

/**
 * applied: the session row moved to this event. stale: the row is already past it. waiting: its
 * predecessor (or an earlier event of the batch) is not projected yet. no_session: no row to update
 * (the event is still listed).
 */
export type ProjectionOutcome = 'applied' | 'stale' | 'waiting' | 'no_session';

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
 * Folds a session's events, in the given order, onto its row: the same rules as one event at a time.
 * At the first event whose predecessor is missing, applying stops: it and every later event wait, so
 * the row never skips an event that is still to come.
 */
export function foldBatch(session: ProjectedSession, events: readonly EventToProject[]): FoldedBatch {
  let current = session;
  let blocked = false;
  const outcomes = events.map((input): ProjectionOutcome => {
    if (input.seq <= current.lastEventSeq) return 'stale';
    if (blocked || waitsForPredecessor(input, current.lastEventNumber)) {
      blocked = true;
      return 'waiting';
    }
    current = applyEvent(current, input);
    return 'applied';
  });
  return { session: current, outcomes, changed: current !== session };
}

function waitsForPredecessor(input: EventToProject, lastEventNumber: number | null): boolean {
  return !followsEventNumber(input.number, lastEventNumber) && !input.ignoreMissingPredecessor;
}

function applyEvent(session: ProjectedSession, { seq, number, event }: EventToProject): ProjectedSession {
  return {
    status: sessionStatusAfter(session.status, event),
    outputs: event.type === 'session.updated' ? { ...session.outputs, ...event.outputs } : session.outputs,
    lastEventSeq: seq,
    lastEventNumber: number ?? null,
  };
}
