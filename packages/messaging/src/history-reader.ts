import {
  DeliverPolicy,
  type JetStreamClient,
  type JsMsg,
  type OrderedConsumerOptions,
} from '@nats-io/jetstream';
import { headersOf } from './nats-headers';
import type { StoredRecord } from './subject-log';
import { decodeJson } from './json-codec';

/**
 * Reads the stored messages of one subject with stream sequence in (afterSeq, untilSeq], in order,
 * through an ordered (ephemeral, self-healing) consumer that is deleted once read.
 */
export async function* readSubjectRange<T>(
  js: JetStreamClient,
  stream: string,
  subject: string,
  afterSeq: number,
  untilSeq: number,
): AsyncGenerator<StoredRecord<T>> {
  if (untilSeq <= afterSeq) return;
  yield* readOrdered<T>(
    js,
    stream,
    subject,
    { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: afterSeq + 1 },
    untilSeq,
  );
}

/**
 * Reads the stored messages of one subject stored at or after `since`, to the newest, in order. The
 * subject must hold one at least (else this waits for one): see SubjectLog.since.
 */
export async function* readSubjectSince<T>(
  js: JetStreamClient,
  stream: string,
  subject: string,
  since: Date,
): AsyncGenerator<StoredRecord<T>> {
  yield* readOrdered<T>(
    js,
    stream,
    subject,
    { deliver_policy: DeliverPolicy.StartTime, opt_start_time: since.toISOString() },
    Number.POSITIVE_INFINITY,
  );
}

async function* readOrdered<T>(
  js: JetStreamClient,
  stream: string,
  subject: string,
  start: StoredMessagesStart,
  untilSeq: number,
): AsyncGenerator<StoredRecord<T>> {
  for await (const message of readStoredMessages(js, stream, subject, start, { untilSeq })) {
    yield {
      seq: message.seq,
      subject: message.subject,
      headers: headersOf(message),
      data: decodeJson<T>(message.data),
      time: new Date(Math.floor(message.info.timestampNanos / 1_000_000)),
    };
  }
}

/** Where a read of stored messages starts: a stream sequence or a time. */
export type StoredMessagesStart = Partial<
  Pick<OrderedConsumerOptions, 'deliver_policy' | 'opt_start_seq' | 'opt_start_time'>
>;

export interface StoredMessagesLimits {
  /** Ends after the message with this sequence (or a later one). */
  untilSeq?: number;
  /** Ends after this many messages. */
  max?: number;
  /**
   * Ends when nothing arrives for this long: NATS slow to deliver, or nothing stored past the start.
   * Without it, a read that starts past the newest message waits for the next one.
   */
  idleMs?: number;
}

/**
 * The stored messages on `filter` (a subject, wildcards allowed) in stream order, from `start` to
 * the newest (or a limit), through an ordered consumer deleted once read, however the caller stops.
 */
export async function* readStoredMessages(
  js: JetStreamClient,
  stream: string,
  filter: string,
  start: StoredMessagesStart,
  { untilSeq = Number.POSITIVE_INFINITY, max = Number.POSITIVE_INFINITY, idleMs }: StoredMessagesLimits = {},
): AsyncGenerator<JsMsg> {
  const consumer = await js.consumers.get(stream, { filter_subjects: filter, ...start });
  const messages = await consumer.consume({ max_messages: Math.min(max, 256) });
  let idle: NodeJS.Timeout | undefined;
  const watchIdle = () => {
    if (idleMs === undefined) return;
    clearTimeout(idle);
    idle = setTimeout(() => void messages.close(), idleMs);
  };
  let read = 0;
  try {
    watchIdle();
    for await (const message of messages) {
      clearTimeout(idle);
      yield message;
      read++;
      if (message.seq >= untilSeq || read >= max || message.info.pending === 0) break;
      watchIdle();
    }
  } finally {
    clearTimeout(idle);
    await messages.close();
    // Ordered consumers otherwise linger on the server until their inactivity threshold (minutes).
    await consumer.delete().catch(() => undefined);
  }
}
