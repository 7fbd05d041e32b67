import { Header, type NatsNames, type SessionEvent } from '@lap/contracts';
import { encodeJson, FencedError, type Appended, type SubjectLog } from '@lap/messaging';

/** Room left for headers when telling whether an event fits in one NATS message. */
const HEADER_ROOM_BYTES = 4_096;

/** Where a session's events stand on its subject: the last one's stream sequence and its number. */
export interface EventPosition {
  /** Stream sequence of the session's last event; 0 when it has none. */
  seq: number;
  /** Its `Lap-Event-Number`: how many events the session has; 0 when it has none. */
  number: number;
}

/** What publishing one run's events did to the session's events subject. */
export interface PublishedEvents {
  /** Where the session's events stand afterwards (the given position when there were no events). */
  after: EventPosition;
  /** Events newly stored. */
  stored: number;
  /** Events that were already stored (records folded again after a crash or a lost race). */
  duplicates: number;
}

/**
 * Appends normalized events to `<P>.events.<sessionId>`, each with its deterministic id as message id
 * and its number in the session (`Lap-Event-Number`), so re-publishing an event already stored stores
 * nothing and a reader can tell a gap.
 *
 * The first event is fenced on the subject's last sequence and awaited: once it lands, this writer's
 * fold state is proven current, and the rest go out pipelined (one socket write, one round trip) with
 * no fence. A writer racing on the same records folds the same events under the same ids, which
 * JetStream stores once. When the first event turns out to be stored already (the run is a repeat,
 * maybe past the duplicate window) every event is published fenced, one at a time, as only that
 * recognizes what an earlier attempt stored. So are the events of a run holding one too large to send:
 * it fails on its own, and nothing after it may land before it.
 */
export class EventPublisher {
  constructor(
    private readonly events: SubjectLog,
    private readonly names: NatsNames,
  ) {}

  /**
   * Where the session's events stand by its fold state. When the state does not number its last event
   * (saved by a normalizer from before numbering), the session's events up to it are counted in the
   * stream (events aged out of the stream are then not counted).
   */
  async positionOf(
    sessionId: string,
    state: { lastEventSeq: number; numbered?: EventPosition },
  ): Promise<EventPosition> {
    const seq = state.lastEventSeq;
    if (seq === 0) return { seq, number: 0 };
    if (state.numbered?.seq === seq) return state.numbered;
    return { seq, number: await this.events.countThrough(this.names.events(sessionId), seq) };
  }

  /** Publishes `events` in order after the session's event at `after`. */
  async publish(sessionId: string, events: SessionEvent[], after: EventPosition): Promise<PublishedEvents> {
    const subject = this.names.events(sessionId);
    const published: PublishedEvents = { after, stored: 0, duplicates: 0 };
    const count = (appended: Appended, number: number) => {
      published.after = { seq: appended.seq, number };
      if (appended.duplicate) published.duplicates += 1;
      else published.stored += 1;
    };
    if (events.length === 0) return published;

    const payloads = events.map((event) => encodeJson(event));
    const first = await this.appendFenced(subject, sessionId, events[0], payloads[0], after);
    count(first, after.number + 1);
    const fitsOneWrite = payloads.every((p) => p.length <= this.events.maxPayloadBytes() - HEADER_ROOM_BYTES);
    if (first.duplicate || !fitsOneWrite) {
      for (let i = 1; i < events.length; i++) {
        const appended = await this.appendFenced(subject, sessionId, events[i], payloads[i], published.after);
        count(appended, published.after.number + 1);
      }
      return published;
    }
    // Every append is issued before any is awaited, so they leave in one write, in order. All are
    // awaited even when one fails: a retry must not overtake an append still in flight.
    const rest = events.slice(1).map((event, i) =>
      this.events.appendEncoded(subject, payloads[i + 1], {
        msgId: event.id,
        headers: this.headers(sessionId, event, after.number + i + 2),
      }),
    );
    const outcomes = await Promise.allSettled(rest);
    for (const [i, outcome] of outcomes.entries()) {
      if (outcome.status === 'rejected') throw outcome.reason;
      count(outcome.value, after.number + i + 2);
    }
    return published;
  }

  private async appendFenced(
    subject: string,
    sessionId: string,
    event: SessionEvent,
    payload: Uint8Array,
    after: EventPosition,
  ): Promise<Appended> {
    try {
      return await this.events.appendEncoded(subject, payload, {
        msgId: event.id,
        expectLastSubjectSeq: after.seq,
        headers: this.headers(sessionId, event, after.number + 1),
      });
    } catch (error) {
      if (!(error instanceof FencedError)) throw error;
      // JetStream only recognizes a duplicate inside its duplicate window. Past it, an event stored by an
      // earlier attempt is still recognizable: it is the very next one on the subject, with this id.
      const following = await this.events.next<unknown>(subject, after.seq + 1);
      if (following?.headers[Header.EventId] === event.id) return { seq: following.seq, duplicate: true };
      throw error;
    }
  }

  private headers(sessionId: string, event: SessionEvent, number: number): Record<string, string> {
    return {
      [Header.SessionId]: sessionId,
      [Header.EventId]: event.id,
      [Header.EventType]: event.type,
      [Header.EventNumber]: String(number),
    };
  }
}
