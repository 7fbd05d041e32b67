import { eventId, Header, type NatsNames, type SessionEvent, type SessionEventBody } from '@lap/contracts';
import { SubjectLog, type NatsClient } from '@lap/messaging';

/**
 * Plays the normalizer's part: appends normalized events to `<P>.events.<sessionId>` with the
 * headers the gateway relies on (session, event id and type, the event's number in the session).
 */
export class EventWriter {
  private readonly log: SubjectLog;
  private readonly counters = new Map<string, number>();

  constructor(
    client: NatsClient,
    private readonly names: NatsNames,
  ) {
    this.log = new SubjectLog(client, names.streams.events);
  }

  /** Appends one event; returns it with its stream sequence. Appends to one session must not overlap. */
  async append(
    sessionId: string,
    body: SessionEventBody,
    overrides: { sessionHeader?: string; processedAt?: string } = {},
  ): Promise<{ seq: number; event: SessionEvent }> {
    const index = (this.counters.get(sessionId) ?? 0) + 1;
    this.counters.set(sessionId, index);
    const event = {
      ...body,
      id: eventId(sessionId, index, 0),
      processed_at: overrides.processedAt ?? new Date().toISOString(),
    } as SessionEvent;
    const { seq } = await this.log.append(this.names.events(sessionId), event, {
      msgId: event.id,
      headers: {
        [Header.SessionId]: overrides.sessionHeader ?? sessionId,
        [Header.EventId]: event.id,
        [Header.EventType]: event.type,
        [Header.EventNumber]: String(index),
      },
    });
    return { seq, event };
  }

  /** Appends `count` agent messages numbered from `from`. */
  async appendMessages(sessionId: string, count: number, from = 1): Promise<number[]> {
    const seqs: number[] = [];
    for (let i = from; i < from + count; i++) {
      seqs.push((await this.append(sessionId, agentMessage(`message ${i}`))).seq);
    }
    return seqs;
  }
}

export function agentMessage(text: string): SessionEventBody {
  return { type: 'agent.message', content: [{ type: 'text', text }] };
}
