import { decodeJson, fromNatsHeaders, type WorkItem } from '@lap/messaging';
import type { TestNats } from '@lap/testing';

/** A work item whose settlement the test can read. */
export interface SettledWorkItem extends WorkItem {
  outcome: 'ack' | 'nak' | 'term' | null;
}

/**
 * The raw message at `seq` as the durable consumer would deliver it, for driving a RecordNormalizer
 * step by step (no consumer involved, so nothing is redelivered behind the test's back).
 */
export async function rawWorkItemAt(
  nats: TestNats,
  seq: number,
  deliveryCount = 1,
): Promise<SettledWorkItem> {
  const message = await nats.client.jsm.streams.getMessage(nats.names.streams.raw, { seq });
  if (!message) throw new Error(`no raw message at ${seq}`);
  const item: SettledWorkItem = {
    subject: message.subject,
    seq: message.seq,
    deliveryCount,
    storedBeforeConsumer: false,
    headers: fromNatsHeaders(message.header),
    data: message.data,
    json: <T>() => decodeJson<T>(message.data),
    outcome: null,
    ack: async () => {
      item.outcome = 'ack';
    },
    nak: () => {
      item.outcome = 'nak';
    },
    working: () => undefined,
    term: () => {
      item.outcome = 'term';
    },
    settled: () => item.outcome !== null,
  };
  return item;
}
