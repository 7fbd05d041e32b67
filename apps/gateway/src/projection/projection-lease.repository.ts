import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/** Which replica projects one events stream, and how far it got: a row of `projection_checkpoints`. */
export interface ProjectionLease {
  stream: string;
  holder: string;
}

/** The lease passed to another replica (it expired, or was released): this one must stop projecting. */
export class ProjectionLeaseLostError extends Error {
  constructor(lease: ProjectionLease) {
    super(`the projection lease of ${lease.stream} is no longer held by ${lease.holder}`);
    this.name = 'ProjectionLeaseLostError';
  }
}

/**
 * The projection's lease and checkpoint in PostgreSQL. Expiry is judged by the database's clock, so
 * replicas need not agree on the time. Every projected batch moves the checkpoint in its own
 * transaction, only while its replica still holds the lease: a replica that lost it (frozen past its
 * lease, cut off from the database) cannot commit what the new holder projects in its place.
 */
@Injectable()
export class ProjectionLeaseRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /**
   * Takes the lease when it is free or expired, or extends it when `lease.holder` has it. Resolves
   * with the checkpoint (every event up to it is projected) when the holder has it, else undefined.
   */
  async acquire(lease: ProjectionLease, ttlMs: number): Promise<number | undefined> {
    const rows: Array<{ stream_seq: string }> = await this.dataSource.query(
      `INSERT INTO projection_checkpoints (stream, holder, lease_expires_at)
       VALUES ($1, $2, now() + $3 * interval '1 millisecond')
       ON CONFLICT (stream) DO UPDATE
         SET holder = EXCLUDED.holder, lease_expires_at = EXCLUDED.lease_expires_at
         WHERE projection_checkpoints.holder = EXCLUDED.holder
            OR projection_checkpoints.lease_expires_at < now()
       RETURNING stream_seq`,
      [lease.stream, lease.holder, ttlMs],
    );
    return rows.length > 0 ? Number(rows[0].stream_seq) : undefined;
  }

  /** Moves the checkpoint to `seq` (never back) outside a batch; throws ProjectionLeaseLostError as a batch does. */
  async moveCheckpoint(lease: ProjectionLease, seq: number): Promise<void> {
    await advanceCheckpoint(this.dataSource.manager, lease, seq);
  }

  /** Ends the lease at once (a replica shutting down), so another replica need not wait for it to expire. */
  async release(lease: ProjectionLease): Promise<void> {
    await this.dataSource.query(
      `UPDATE projection_checkpoints SET holder = NULL, lease_expires_at = now()
       WHERE stream = $1 AND holder = $2`,
      [lease.stream, lease.holder],
    );
  }
}

/**
 * Inside a projection transaction: moves the checkpoint to `seq` (never back). Throws
 * ProjectionLeaseLostError, rolling the transaction back, when the lease is another replica's.
 */
export async function advanceCheckpoint(
  manager: EntityManager,
  lease: ProjectionLease,
  seq: number,
): Promise<void> {
  const result: unknown[] = await manager.query(
    `UPDATE projection_checkpoints SET stream_seq = GREATEST(stream_seq, $3), updated_at = now()
     WHERE stream = $1 AND holder = $2
     RETURNING stream`,
    [lease.stream, lease.holder, seq],
  );
  // TypeORM answers an UPDATE with [rows, affected count].
  if (result[1] === 0) throw new ProjectionLeaseLostError(lease);
}
