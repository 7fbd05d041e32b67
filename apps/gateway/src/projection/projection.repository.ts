import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { isUniqueViolation } from '@lap/db';
import type { SessionStatus } from '../sessions/session.entity';
import { foldBatch, type EventToProject, type ProjectedSession, type ProjectionOutcome } from './batch-fold';
import { jsonbText } from './jsonb-text';
import { advanceCheckpoint, type ProjectionLease } from './projection-lease.repository';

export type { EventToProject, ProjectionOutcome } from './batch-fold';

/** Events to project, by session id, each session's in stream order. */
export type SessionBatches = ReadonlyMap<string, readonly EventToProject[]>;

/** Where the projection stands once a batch is committed, and the lease it is committed under. */
export interface CheckpointAfter {
  lease: ProjectionLease;
  /**
   * Every event up to this stream sequence is projected once the batch is. 0 for a batch that does
   * not move the checkpoint (still fenced by the lease): part of a batch projected piece by piece.
   */
  seq: number;
}

/**
 * Writes batches of events into `session_events` and folds each session's into its `sessions` row, in
 * one transaction whatever the number of sessions and events: an insert, a locking select, an update
 * and the checkpoint's move.
 */
@Injectable()
export class ProjectionRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /**
   * Returns, by session, one outcome per event in the order given. The events are inserted plainly;
   * only when one is listed already (a read-back after a restart or a lease handover) is the batch
   * done again, skipping what is there. Skipping costs PostgreSQL a fifth more per row, whether or not
   * anything is skipped (ON CONFLICT inserts speculatively), and nearly every batch is new.
   */
  async project(
    batches: SessionBatches,
    checkpoint: CheckpointAfter,
    { lockTimeoutMs = LOCK_TIMEOUT_MS }: { lockTimeoutMs?: number } = {},
  ): Promise<Map<string, ProjectionOutcome[]>> {
    if (![...batches.values()].some((events) => events.length > 0)) return new Map(); // nothing to list
    try {
      return await this.projectOnce(batches, checkpoint, lockTimeoutMs, 'insert');
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      return this.projectOnce(batches, checkpoint, lockTimeoutMs, 'skip listed');
    }
  }

  private projectOnce(
    batches: SessionBatches,
    checkpoint: CheckpointAfter,
    lockTimeoutMs: number,
    listing: Listing,
  ): Promise<Map<string, ProjectionOutcome[]>> {
    const outcomes = new Map<string, ProjectionOutcome[]>();
    return this.dataSource.transaction(async (manager) => {
      // A row held by a stuck transaction fails this one soon (lock_not_available), for the projector
      // to take the other sessions on without it, instead of stalling all of them.
      await manager.query(`SET LOCAL lock_timeout = '${Math.round(lockTimeoutMs)}ms'`);
      await insertEvents(manager, batches, listing);
      const sessions = await lockSessions(manager, [...batches.keys()]);
      const changed = new Map<string, ProjectedSession>();
      for (const [sessionId, events] of batches) {
        const session = sessions.get(sessionId);
        if (!session) {
          outcomes.set(
            sessionId,
            events.map((): ProjectionOutcome => 'no_session'),
          );
          continue;
        }
        const folded = foldBatch(session, events);
        outcomes.set(sessionId, folded.outcomes);
        if (folded.changed) changed.set(sessionId, folded.session);
      }
      await updateSessions(manager, changed);
      // Last: the checkpoint's row stays locked for as short a time as can be.
      await advanceCheckpoint(manager, checkpoint.lease, checkpoint.seq);
      return outcomes;
    });
  }
}

/** 'insert' fails on an event already listed; 'skip listed' leaves it be. */
type Listing = 'insert' | 'skip listed';

const LOCK_TIMEOUT_MS = 5_000;

/**
 * Lists every event, even one that waits for its predecessor or has no session row (yet). With 'skip
 * listed', idempotent: a redelivered event (same sequence or id) inserts nothing, also when it appears
 * twice in the batch. Rows go in stream order, the same for every replica, so two replicas inserting
 * the same events wait for each other instead of deadlocking.
 *
 * Each column travels as one JSON array, the bodies as an array of their own texts, zipped back into
 * rows by `ROWS FROM` (in array order): six parameters whatever the batch's size. With a row of six
 * placeholders per event, PostgreSQL parsed a statement as long as the batch and the driver wrote
 * each value apart. Each body is one JSON value (parsed when it was taken in), and the `json` column
 * keeps its text; only whitespace around it would be dropped, and JSON.stringify writes none.
 */
async function insertEvents(
  manager: EntityManager,
  batches: SessionBatches,
  listing: Listing,
): Promise<void> {
  const rows = [...batches]
    .flatMap(([sessionId, events]) => events.map((input) => ({ sessionId, ...input })))
    .sort((a, b) => a.seq - b.seq);
  await manager.query(
    `INSERT INTO session_events (seq, event_id, session_id, type, body, processed_at)
     SELECT seq::bigint, event_id, session_id, type, body,
            to_timestamp(div(processed_ms::bigint, 1000)) + mod(processed_ms::bigint, 1000) * interval '1 ms'
     FROM ROWS FROM (
       json_array_elements_text($1::json), json_array_elements_text($2::json),
       json_array_elements_text($3::json), json_array_elements_text($4::json),
       json_array_elements($5::json), json_array_elements_text($6::json)
     ) AS listed(seq, event_id, session_id, type, body, processed_ms)
     ${listing === 'skip listed' ? 'ON CONFLICT DO NOTHING' : ''}`,
    [
      JSON.stringify(rows.map((row) => row.seq)),
      // A lone surrogate as U+FFFD, as the driver's UTF-8 wrote it when each value went alone: JSON
      // escapes it, and PostgreSQL refuses the escape when it turns the element into text.
      JSON.stringify(rows.map((row) => row.event.id.toWellFormed())),
      JSON.stringify(rows.map((row) => row.sessionId.toWellFormed())),
      JSON.stringify(rows.map((row) => row.event.type.toWellFormed())),
      `[${rows.map((row) => row.body).join(',')}]`,
      JSON.stringify(rows.map((row) => processedAtMs(row.event.processed_at))),
    ],
  );
}

/**
 * Locked until the transaction ends, so another replica's batch for these sessions waits for ours;
 * taken in id order, so two replicas locking overlapping sessions cannot deadlock.
 */
async function lockSessions(
  manager: EntityManager,
  sessionIds: string[],
): Promise<Map<string, ProjectedSession>> {
  const rows: Array<{
    id: string;
    status: SessionStatus;
    outputs: ProjectedSession['outputs'];
    last_event_seq: string;
    last_event_number: string | null;
  }> = await manager.query(
    'SELECT id, status, outputs, last_event_seq, last_event_number FROM sessions WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE',
    [sessionIds],
  );
  return new Map(
    rows.map(({ id, status, outputs, last_event_seq, last_event_number }) => [
      id,
      {
        status,
        outputs,
        lastEventSeq: Number(last_event_seq),
        lastEventNumber: last_event_number === null ? null : Number(last_event_number),
      },
    ]),
  );
}

async function updateSessions(manager: EntityManager, changed: Map<string, ProjectedSession>): Promise<void> {
  if (changed.size === 0) return;
  const values = [...changed].flatMap(([sessionId, { status, outputs, lastEventSeq, lastEventNumber }]) => [
    sessionId,
    status,
    jsonbText(outputs),
    lastEventSeq,
    lastEventNumber,
  ]);
  const rows = [...changed.keys()].map(
    (_, index) =>
      `($${index * 5 + 2}::text, $${index * 5 + 3}::text, $${index * 5 + 4}::jsonb, $${index * 5 + 5}::bigint, $${index * 5 + 6}::bigint)`,
  );
  await manager.query(
    `UPDATE sessions AS s
     SET status = v.status, outputs = v.outputs, last_event_seq = v.last_event_seq,
         last_event_number = v.last_event_number, updated_at = $1
     FROM (VALUES ${rows.join(', ')}) AS v(id, status, outputs, last_event_seq, last_event_number)
     WHERE s.id = v.id`,
    [new Date(), ...values],
  );
}

/**
 * The event's time in epoch milliseconds, or now when it has none that reads as a date. A number, not
 * ISO text: `toISOString` writes years past 9999 in a form PostgreSQL refuses. Whole seconds and
 * milliseconds go into the timestamp apart: float seconds do not keep every millisecond of far years.
 */
function processedAtMs(value: string | undefined): number {
  const ms = value === undefined ? Number.NaN : new Date(value).getTime();
  return Number.isNaN(ms) ? Date.now() : ms;
}
