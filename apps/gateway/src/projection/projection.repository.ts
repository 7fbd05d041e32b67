import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { SessionOutputs } from '@lap/contracts';
import type { SessionStatus } from '../sessions/session.entity';
import { foldBatch, type EventToProject, type ProjectedSession, type ProjectionOutcome } from './batch-fold';

export type { EventToProject, ProjectionOutcome } from './batch-fold';

/**
 * Writes a batch of one session's events into `session_events` and folds them into its `sessions`
 * row, in one transaction: an insert, a locking select and an update, whatever the batch's size.
 */
@Injectable()
export class ProjectionRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /** Returns one outcome per event, in the order given. */
  async project(sessionId: string, events: readonly EventToProject[]): Promise<ProjectionOutcome[]> {
    if (events.length === 0) return []; // no `VALUES` to insert
    return this.dataSource.transaction(async (manager) => {
      await insertEvents(manager, sessionId, events);
      const session = await lockSession(manager, sessionId);
      if (!session) return events.map((): ProjectionOutcome => 'no_session');
      const folded = foldBatch(session, events);
      if (folded.changed) await updateSession(manager, sessionId, folded.session);
      return folded.outcomes;
    });
  }
}

const INSERT_COLUMNS = ['seq', 'event_id', 'session_id', 'type', 'body', 'processed_at'];

/**
 * Lists every event, even one that waits for its predecessor or has no session row (yet). Idempotent:
 * a redelivered event (same sequence or id) inserts nothing, also when it appears twice in the batch.
 */
async function insertEvents(
  manager: EntityManager,
  sessionId: string,
  events: readonly EventToProject[],
): Promise<void> {
  const rows = events.map(({ seq, event }) => [
    seq,
    event.id,
    sessionId,
    event.type,
    JSON.stringify(event),
    validDate(event.processed_at) ?? new Date(),
  ]);
  await manager.query(
    `INSERT INTO session_events (${INSERT_COLUMNS.join(', ')})
     VALUES ${rows.map((row, index) => placeholders(index * row.length, row.length)).join(', ')}
     ON CONFLICT DO NOTHING`,
    rows.flat(),
  );
}

/** `($first+1, …, $first+count)` */
function placeholders(first: number, count: number): string {
  return `(${Array.from({ length: count }, (_, i) => `$${first + i + 1}`).join(', ')})`;
}

/** Locked until the transaction ends, so another replica's batch for this session waits for ours. */
async function lockSession(manager: EntityManager, sessionId: string): Promise<ProjectedSession | undefined> {
  const rows: Array<{ status: SessionStatus; outputs: SessionOutputs; last_event_seq: string }> =
    await manager.query('SELECT status, outputs, last_event_seq FROM sessions WHERE id = $1 FOR UPDATE', [
      sessionId,
    ]);
  if (rows.length === 0) return undefined;
  const [{ status, outputs, last_event_seq }] = rows;
  return { status, outputs, lastEventSeq: Number(last_event_seq) };
}

async function updateSession(
  manager: EntityManager,
  sessionId: string,
  { status, outputs, lastEventSeq }: ProjectedSession,
): Promise<void> {
  await manager.query(
    `UPDATE sessions SET status = $2, outputs = $3, last_event_seq = $4, updated_at = $5 WHERE id = $1`,
    [sessionId, status, JSON.stringify(outputs), lastEventSeq, new Date()],
  );
}

function validDate(value: string | undefined): Date | undefined {
  const date = value === undefined ? undefined : new Date(value);
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}
