import { Inject, Injectable, Logger } from '@nestjs/common';
import { DeliverPolicy } from '@nats-io/jetstream';
import { eventNumberOf, Header, type NatsNames } from '@lap/contracts';
import { NatsClient, readStoredMessages, SubjectLog } from '@lap/messaging';
import { NATS_NAMES } from '../messaging/nats-names.token';
import { headerLookup, loggedEventOf, type LoggedEvent } from './logged-event';

/** Reads a session's history from `<P>.events.<sessionId>` in JetStream. */
@Injectable()
export class EventLogReader {
  private readonly logger = new Logger('EventLogReader');
  private readonly log: SubjectLog;

  constructor(
    @Inject(NatsClient) private readonly nats: NatsClient,
    @Inject(NATS_NAMES) private readonly names: NatsNames,
  ) {
    this.log = new SubjectLog(nats, names.streams.events);
  }

  /** The session's newest event: its sequence and number; 0 and 0 when it has none. */
  async newest(sessionId: string): Promise<{ seq: number; number: number | undefined }> {
    const newest = await this.log.last(this.names.events(sessionId));
    if (!newest) return { seq: 0, number: 0 };
    return { seq: newest.seq, number: eventNumberOf(newest.headers[Header.EventNumber]) };
  }

  /**
   * The session's events with sequence in (afterSeq, untilSeq], oldest first. Like `readSubjectRange`
   * of @lap/messaging, but the bodies stay bytes: a published event goes out as stored, unparsed.
   * A message that is not an event is skipped, as the live fan-out skips it.
   */
  async *read(sessionId: string, afterSeq: number, untilSeq: number): AsyncGenerator<LoggedEvent> {
    if (untilSeq <= afterSeq) return;
    const start = { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: afterSeq + 1 };
    const subject = this.names.events(sessionId);
    for await (const message of readStoredMessages(this.nats.js, this.names.streams.events, subject, start, {
      untilSeq,
    })) {
      let event: LoggedEvent | undefined;
      try {
        event = loggedEventOf(message.seq, message.subject, headerLookup(message), message.data);
      } catch (error) {
        this.logger.warn(`skipping message ${message.seq}: ${(error as Error).message}`);
      }
      if (event) yield event;
    }
  }
}
