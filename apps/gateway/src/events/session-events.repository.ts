import { Inject, Injectable } from '@nestjs/common';
import { DataSource, LessThan, MoreThan, type Repository } from 'typeorm';
import { SessionEventEntity } from './session-event.entity';

/** Reads the `session_events` projection (the projector writes it). */
@Injectable()
export class SessionEventsRepository {
  private readonly events: Repository<SessionEventEntity>;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.events = dataSource.getRepository(SessionEventEntity);
  }

  /** The session's events after `afterSeq`, oldest first. */
  listAfter(sessionId: string, afterSeq: number, limit: number): Promise<SessionEventEntity[]> {
    return this.events.find({
      where: { sessionId, seq: MoreThan(afterSeq) },
      order: { seq: 'ASC' },
      take: limit,
    });
  }

  /** The session's events before `beforeSeq` (all when undefined), newest first. */
  listBefore(sessionId: string, beforeSeq: number | undefined, limit: number): Promise<SessionEventEntity[]> {
    return this.events.find({
      where: { sessionId, ...(beforeSeq === undefined ? {} : { seq: LessThan(beforeSeq) }) },
      order: { seq: 'DESC' },
      take: limit,
    });
  }

  /** The stream sequence of one of the session's events, or null when it is not (yet) projected. */
  async seqOf(sessionId: string, eventId: string): Promise<number | null> {
    const row = await this.events.findOne({ where: { sessionId, eventId }, select: { seq: true } });
    return row?.seq ?? null;
  }
}
