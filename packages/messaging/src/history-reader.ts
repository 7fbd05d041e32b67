import { DeliverPolicy, type JetStreamClient, type OrderedConsumerOptions } from '@nats-io/jetstream';
import { fromNatsHeaders } from './nats-headers';
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
  start: Partial<Pick<OrderedConsumerOptions, 'deliver_policy' | 'opt_start_seq' | 'opt_start_time'>>,
  untilSeq: number,
): AsyncGenerator<StoredRecord<T>> {
  const consumer = await js.consumers.get(stream, { filter_subjects: subject, ...start });
  const messages = await consumer.consume({ max_messages: 256 });
  try {
    for await (const message of messages) {
      yield {
        seq: message.seq,
        subject: message.subject,
        headers: fromNatsHeaders(message.headers),
        data: decodeJson<T>(message.data),
        time: new Date(Math.floor(message.info.timestampNanos / 1_000_000)),
      };
      if (message.seq >= untilSeq || message.info.pending === 0) break;
    }
  } finally {
    await messages.close();
    // Ordered consumers otherwise linger on the server until their inactivity threshold (minutes).
    await consumer.delete().catch(() => undefined);
  }
}
