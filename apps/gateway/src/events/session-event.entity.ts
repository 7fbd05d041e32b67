import { Column, Entity, Index, PrimaryColumn, Unique } from 'typeorm';
import type { SessionEvent } from '@lap/contracts';
import { bigintAsNumber } from '../database/bigint-as-number';

/** The projection of `<P>_EVENTS` into Postgres, for listing events without reading the stream. */
@Entity({ name: 'session_events' })
@Index('session_events_session_seq', ['sessionId', 'seq'])
@Unique('session_events_event_id_key', ['eventId'])
export class SessionEventEntity {
  /** The event's sequence in `<P>_EVENTS`: also its SSE `id:`. */
  @PrimaryColumn('bigint', { transformer: bigintAsNumber })
  seq: number;

  @Column('text', { name: 'event_id' })
  eventId: string;

  @Column('text', { name: 'session_id' })
  sessionId: string;

  @Column('text')
  type: string;

  /**
   * Exactly the normalized event, as published: `json` keeps the text (key order, and characters
   * `jsonb` refuses, such as an escaped NUL in a tool's output) where `jsonb` would re-encode it.
   */
  @Column('json')
  body: SessionEvent;

  @Column('timestamptz', { name: 'processed_at' })
  processedAt: Date;
}
