import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { SessionEvent } from '@lap/contracts';
import { SessionEntity } from '../sessions/session.entity';
import { sessionStatusAfter } from '../sessions/session-status';

export interface EventToProject {
  seq: number;
  sessionId: string;
  /** The session's previous event sequence, when the publisher named it. */
  prevSeq: number | undefined;
  event: SessionEvent;
  /** Apply even when the predecessor has not been projected (it is never coming). */
  ignoreMissingPredecessor: boolean;
}

/**
 * applied: the session row moved to this event. stale: the row is already past it. waiting: its
 * predecessor is not projected yet. no_session: no row to update (the event is still listed).
 */
export type ProjectionOutcome = 'applied' | 'stale' | 'waiting' | 'no_session';

/** Writes one event into `session_events` and folds it into its `sessions` row, in one transaction. */
@Injectable()
export class ProjectionRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  project(input: EventToProject): Promise<ProjectionOutcome> {
    return this.dataSource.transaction(async (manager) => {
      await this.insertEvent(manager, input);
      return this.updateSession(manager, input);
    });
  }

  /** Idempotent: a redelivered event (same sequence or id) inserts nothing. */
  private async insertEvent(
    manager: EntityManager,
    { seq, sessionId, event }: EventToProject,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO session_events (seq, event_id, session_id, type, body, processed_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT DO NOTHING`,
      [
        seq,
        event.id,
        sessionId,
        event.type,
        JSON.stringify(event),
        validDate(event.processed_at) ?? new Date(),
      ],
    );
  }

  private async updateSession(manager: EntityManager, input: EventToProject): Promise<ProjectionOutcome> {
    const sessions = manager.getRepository(SessionEntity);
    const session = await sessions.findOne({
      where: { id: input.sessionId },
      lock: { mode: 'pessimistic_write' },
    });
    if (!session) return 'no_session';
    if (input.seq <= session.lastEventSeq) return 'stale';
    if (
      input.prevSeq !== undefined &&
      input.prevSeq > session.lastEventSeq &&
      !input.ignoreMissingPredecessor
    ) {
      return 'waiting';
    }
    const { event } = input;
    await sessions.update(
      { id: session.id },
      {
        status: sessionStatusAfter(session.status, event),
        outputs:
          event.type === 'session.updated' ? { ...session.outputs, ...event.outputs } : session.outputs,
        lastEventSeq: input.seq,
        updatedAt: new Date(),
      },
    );
    return 'applied';
  }
}

function validDate(value: string | undefined): Date | undefined {
  const date = value === undefined ? undefined : new Date(value);
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}
