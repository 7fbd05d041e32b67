import { Inject, Injectable } from '@nestjs/common';
import type { NatsNames } from '@lap/contracts';
import { NatsClient, readSubjectRange, SubjectLog } from '@lap/messaging';
import { NATS_NAMES } from '../messaging/nats-names.token';
import { toLoggedEvent, type LoggedEvent } from './logged-event';

/** Reads a session's history from `<P>.events.<sessionId>` in JetStream. */
@Injectable()
export class EventLogReader {
  private readonly log: SubjectLog;

  constructor(
    @Inject(NatsClient) private readonly nats: NatsClient,
    @Inject(NATS_NAMES) private readonly names: NatsNames,
  ) {
    this.log = new SubjectLog(nats, names.streams.events);
  }

  /** The sequence of the session's newest event, 0 when it has none. */
  async newestSeq(sessionId: string): Promise<number> {
    return (await this.log.last(this.names.events(sessionId)))?.seq ?? 0;
  }

  /** The session's events with sequence in (afterSeq, untilSeq], oldest first. */
  async *read(sessionId: string, afterSeq: number, untilSeq: number): AsyncGenerator<LoggedEvent> {
    const records = readSubjectRange<unknown>(
      this.nats.js,
      this.names.streams.events,
      this.names.events(sessionId),
      afterSeq,
      untilSeq,
    );
    for await (const record of records) {
      yield toLoggedEvent(record.seq, record.subject, record.headers, record.data);
    }
  }
}
