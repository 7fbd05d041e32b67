import { Injectable } from '@nestjs/common';
import type { SessionCommand, SessionEvent } from '@lap/contracts';
import type { Principal } from '../auth/principal';
import { ApiError } from '../errors/api-error';
import { SessionsService } from '../sessions/sessions.service';
import type { SessionEntity } from '../sessions/session.entity';
import { messageText } from '../sessions/message-text';
import type { SessionInput } from '../sessions/sessions.service';
import type { ListEventsQuery, SendEventsInput, StreamQuery } from './event.schemas';
import { SessionEventsRepository } from './session-events.repository';
import { EventLogReader } from './event-log.reader';
import { ProjectionCatchUp } from '../projection/projection-catch-up';

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
    private readonly projection: ProjectionCatchUp,
  ) {}

  /**
   * Queues what the client sent, in order, and answers with the events as accepted. Their `id` is the
   * command's (`cmd_…`) and `processed_at` is null: once a runner takes one, it enters the event log
   * with its own `sevt_…` id and a time.
   */
  async send(
    principal: Principal,
    sessionId: string,
    input: SendEventsInput,
  ): Promise<{ data: AcceptedEvent[] }> {
    const inputs = input.events.map((event, i): SessionInput =>
      event.type === 'user.message'
        ? { type: 'user.message', text: messageText(event.content, `events.${i}.content`) }
        : { type: 'user.interrupt' },
    );
    const commands = await this.sessions.send(principal, sessionId, inputs);
    return { data: commands.map((command, i) => acceptedEvent(command, input.events[i])) };
  }

  /**
   * A page of the session's events from the projection (holding at least what was streamed before the
   * call), oldest first unless `order=desc`.
   */
  async list(principal: Principal, sessionId: string, query: ListEventsQuery): Promise<EventPage> {
    const session = await this.sessions.get(principal, sessionId);
    await this.projection.awaitSession(session);
    const cursor = query.page ?? query.after;
    const position = cursor === undefined ? undefined : await this.resolvePosition(session, cursor, 'page');
    const rows =
      query.order === 'asc'
        ? await this.events.listAfter(sessionId, position ?? 0, query.limit)
        : await this.events.listBefore(sessionId, position, query.limit);
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
    const session = await this.sessions.get(principal, sessionId);
    if (lastEventId !== undefined && lastEventId.trim() !== '') {
      return this.resolvePosition(session, lastEventId.trim(), 'Last-Event-ID');
    }
    if (query.after !== undefined) return this.resolvePosition(session, query.after, 'after');
    return query.live_only ? (await this.log.newest(sessionId)).seq : 0;
  }

  private async resolvePosition(session: SessionEntity, value: string, what: string): Promise<number> {
    if (/^\d+$/.test(value)) return Number(value);
    if (value.startsWith('sevt_')) {
      // An id just seen on the stream may not be projected yet.
      const seq =
        (await this.events.seqOf(session.id, value)) ??
        (await this.projection.awaitSession(session).then(() => this.events.seqOf(session.id, value)));
      if (seq !== null) return seq;
      throw ApiError.badRequest(
        `${what}: event "${value}" is not (yet) known for this session; pass its SSE id`,
      );
    }
    throw ApiError.badRequest(`${what}: expected an SSE id (a number) or an event id (sevt_…)`);
  }
}

/** An event as `POST /v1/sessions/{id}/events` accepted it. */
export type AcceptedEvent =
  | { id: string; type: 'user.message'; content: Array<{ type: 'text'; text: string }>; processed_at: null }
  | { id: string; type: 'user.interrupt'; processed_at: null };

function acceptedEvent(command: SessionCommand, sent: SendEventsInput['events'][number]): AcceptedEvent {
  return sent.type === 'user.message'
    ? { id: command.commandId, type: 'user.message', content: sent.content, processed_at: null }
    : { id: command.commandId, type: 'user.interrupt', processed_at: null };
}
