import { DeliverPolicy, type JetStreamClient } from '@nats-io/jetstream';
import { headersOf } from '@lap/messaging';
import { withTimeout } from './bounded';

export interface StoredMessage {
  seq: number;
  headers: Record<string, string>;
  data: Uint8Array;
  /** When the server stored it (its wall clock, to the microsecond), in ms since the epoch. */
  storedAtMs: number;
}

/**
 * Every stored message of one subject, oldest first, through a throw-away ordered consumer. Unlike the
 * platform's readSubjectRange it keeps the server's store time at full precision: the latency
 * breakdown compares it with other clocks to a fraction of a millisecond.
 */
export async function readStoredMessages(
  js: JetStreamClient,
  stream: string,
  subject: string,
  timeoutMs = 30_000,
): Promise<StoredMessage[]> {
  const consumer = await js.consumers.get(stream, {
    filter_subjects: subject,
    deliver_policy: DeliverPolicy.All,
  });
  const out: StoredMessage[] = [];
  const messages = await consumer.consume({ max_messages: 512 });
  try {
    await withTimeout(
      `the stored messages of ${subject}`,
      (async () => {
        for await (const message of messages) {
          out.push({
            seq: message.seq,
            headers: headersOf(message),
            data: message.data,
            storedAtMs: message.info.timestampNanos / 1e6,
          });
          if (message.info.pending === 0) break;
        }
      })(),
      timeoutMs,
    );
  } finally {
    await messages.close();
    await consumer.delete().catch(() => undefined);
  }
  return out;
}
