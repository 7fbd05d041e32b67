import type { StoredMsg } from '@nats-io/jetstream';
import { decodeJson, fromNatsHeaders, type WorkItem } from '@lap/messaging';

/**
 * A raw record read straight from the log, shaped like a delivered one so it goes through the same
 * fold steps. Settling it does nothing: its own delivery, whenever it comes, is acked as a duplicate.
 */
export function loggedRecordItem(message: StoredMsg): WorkItem {
  return {
    subject: message.subject,
    seq: message.seq,
    deliveryCount: 1,
    storedBeforeConsumer: false,
    headers: fromNatsHeaders(message.header),
    data: message.data,
    json: <T>() => decodeJson<T>(message.data),
    ack: async () => undefined,
    nak: () => undefined,
    working: () => undefined,
    term: () => undefined,
    settled: () => false,
  };
}
