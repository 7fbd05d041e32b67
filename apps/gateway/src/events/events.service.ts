import { Injectable } from '@nestjs/common';
import type { SessionEvent } from '@lap/contracts';
import type { Principal } from '../auth/principal';
import { ApiError } from '../errors/api-error';
import { SessionsService } from '../sessions/sessions.service';
import type { ListEventsQuery, StreamQuery } from './event.schemas';
import { SessionEventsRepository } from './session-events.repository';
import { EventLogReader } from './event-log.reader';

export interface EventPage {
  data: SessionEvent[];
  /** Pass as `?page=` for the next events; null when this page reached the end. */
  next_page: string | null;
}

@Injectable()
export class EventsService {
  constructor(
    private readonly sessions: SessionsService,
    private readonly events: SessionEventsRepository,
    private readonly log: EventLogReader,
  ) {}

  /** A page of the session's events from the projection, oldest first. */
  async list(principal: Principal, sessionId: string, query: ListEventsQuery): Promise<EventPage> {
    await this.sessions.get(principal, sessionId);
    const cursor = query.page ?? query.after;
    const afterSeq = cursor === undefined ? 0 : await this.resolvePosition(sessionId, cursor, 'after');
    const rows = await this.events.listAfter(sessionId, afterSeq, query.limit);
    return {
      data: rows.map((row) => row.body),
      next_page: rows.length === query.limit ? String(rows[rows.length - 1].seq) : null,
    };
  }

  /**
   * The sequence a stream continues after: `Last-Event-ID`, else `?after=`, else the session's newest
   * event with `?live_only=true` (read now, before the stream subscribes, so nothing published from
   * here on is missed), else 0 (the whole history). Checked before the stream opens, so an unknown
   * session is a plain 404.
   */
  async streamStart(
    principal: Principal,
    sessionId: string,
    lastEventId: string | undefined,
    query: StreamQuery,
  ): Promise<number> {
    await this.sessions.get(principal, sessionId);
    if (lastEventId !== undefined && lastEventId.trim() !== '') {
      return this.resolvePosition(sessionId, lastEventId.trim(), 'Last-Event-ID');
    }
    if (query.after !== undefined) return this.resolvePosition(sessionId, query.after, 'after');
    return query.live_only ? this.log.newestSeq(sessionId) : 0;
  }

  private async resolvePosition(sessionId: string, value: string, what: string): Promise<number> {
    if (/^\d+$/.test(value)) return Number(value);
    if (value.startsWith('sevt_')) {
      const seq = await this.events.seqOf(sessionId, value);
      if (seq !== null) return seq;
      throw ApiError.badRequest(
        `${what}: event "${value}" is not (yet) known for this session; pass its SSE id`,
      );
    }
    throw ApiError.badRequest(`${what}: expected an SSE id (a number) or an event id (sevt_…)`);
  }
}
