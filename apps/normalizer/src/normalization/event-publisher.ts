import { Header, type NatsNames, type SessionEvent } from '@lap/contracts';
import { FencedError, type SubjectLog } from '@lap/messaging';

/** What publishing one record's events did to the session's events subject. */
export interface PublishedEvents {
  /** Stream sequence of the session's last event afterwards (the given one when there were no events). */
  lastSeq: number;
  /** Events newly stored. */
  stored: number;
  /** Events that were already stored (a record folded again after a crash or a lost race). */
  duplicates: number;
}

/**
 * Appends normalized events to `<P>.events.<sessionId>`: each with its deterministic id as message id
 * and fenced on the subject's last sequence, so a replica that fell behind can never interleave its
 * events with another's, and re-publishing an event already stored stores nothing.
 */
export class EventPublisher {
  constructor(
    private readonly events: SubjectLog,
    private readonly names: NatsNames,
  ) {}

  /** Publishes `events` in order after the event at `afterSeq` (0: the session has none yet). */
  async publish(sessionId: string, events: SessionEvent[], afterSeq: number): Promise<PublishedEvents> {
    const subject = this.names.events(sessionId);
    const published: PublishedEvents = { lastSeq: afterSeq, stored: 0, duplicates: 0 };
    for (const event of events) {
      const { seq, duplicate } = await this.appendOne(subject, sessionId, event, published.lastSeq);
      published.lastSeq = seq;
      if (duplicate) published.duplicates += 1;
      else published.stored += 1;
    }
    return published;
  }

  private async appendOne(
    subject: string,
    sessionId: string,
    event: SessionEvent,
    prevSeq: number,
  ): Promise<{ seq: number; duplicate: boolean }> {
    try {
      return await this.events.append(subject, event, {
        msgId: event.id,
        expectLastSubjectSeq: prevSeq,
        headers: {
          [Header.SessionId]: sessionId,
          [Header.EventId]: event.id,
          [Header.EventType]: event.type,
          [Header.PrevSeq]: String(prevSeq),
        },
      });
    } catch (error) {
      if (!(error instanceof FencedError)) throw error;
      // JetStream only recognizes a duplicate inside its duplicate window. Past it, an event stored by an
      // earlier attempt is still recognizable: it is the very next one on the subject, with this id.
      const following = await this.events.next<unknown>(subject, prevSeq + 1);
      if (following?.headers[Header.EventId] === event.id) return { seq: following.seq, duplicate: true };
      throw error;
    }
  }
}
