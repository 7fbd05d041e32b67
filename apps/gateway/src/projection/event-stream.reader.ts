import { Inject, Injectable } from '@nestjs/common';
import { DeliverPolicy } from '@nats-io/jetstream';
import type { NatsNames } from '@lap/contracts';
import { NatsClient, readStoredMessages } from '@lap/messaging';
import type { FedMessage } from '../events/event-fanout.service';
import { headerLookup, sessionIdOf } from '../events/logged-event';
import { NATS_NAMES } from '../messaging/nats-names.token';

/** A read that gets nothing for this long ends with what it has (NATS slow, or the messages deleted). */
const IDLE_MS = 2_000;

/**
 * Reads every session's events from `<P>_EVENTS`, from a sequence on: the projection's way to the
 * events its live feed did not bring (those before the feed started, or dropped while it was full).
 */
@Injectable()
export class EventStreamReader {
  constructor(
    @Inject(NatsClient) private readonly nats: NatsClient,
    @Inject(NATS_NAMES) private readonly names: NatsNames,
  ) {}

  /**
   * The sequences of the oldest message the stream still holds and of the newest it ever stored (0
   * when none); `first` is `last + 1` once every message aged out.
   */
  async bounds(): Promise<{ first: number; last: number }> {
    const { state } = await this.nats.jsm.streams.info(this.names.streams.events);
    return { first: state.first_seq, last: state.last_seq };
  }

  /**
   * Up to `max` messages after `afterSeq`, oldest first, through an ordered consumer deleted once read.
   * Fewer when the stream holds fewer, or when NATS delivered nothing for a while (none at all when
   * it is slow to answer, or when every message after `afterSeq` was deleted).
   */
  async readAfter(afterSeq: number, max: number): Promise<FedMessage[]> {
    const read: FedMessage[] = [];
    const start = { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: afterSeq + 1 };
    const limits = { max, idleMs: IDLE_MS };
    const { events: stream } = this.names.streams;
    for await (const message of readStoredMessages(
      this.nats.js,
      stream,
      this.names.allEvents,
      start,
      limits,
    )) {
      const header = headerLookup(message);
      read.push({
        previousSeq: read.at(-1)?.seq,
        seq: message.seq,
        subject: message.subject,
        sessionId: sessionIdOf(message.subject, header),
        header,
        data: message.data,
      });
    }
    return read;
  }
}
