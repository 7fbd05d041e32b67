import type { NatsNames, RawRecord, SessionEvent } from '@lap/contracts';
import { readSubjectRange, SubjectLog, type NatsClient, type StoredRecord } from '@lap/messaging';

/** Every stored message of one subject, oldest first (empty when it has none). */
async function readSubject<T>(
  client: NatsClient,
  stream: string,
  subject: string,
): Promise<StoredRecord<T>[]> {
  const last = await new SubjectLog(client, stream).last<T>(subject);
  if (!last) return [];
  const records: StoredRecord<T>[] = [];
  for await (const record of readSubjectRange<T>(client.js, stream, subject, 0, last.seq))
    records.push(record);
  return records;
}

/** A session's normalized events as stored in `<P>.events.<S>`. */
export function readSessionEvents(
  client: NatsClient,
  names: NatsNames,
  sessionId: string,
): Promise<StoredRecord<SessionEvent>[]> {
  return readSubject<SessionEvent>(client, names.streams.events, names.events(sessionId));
}

/** A session's raw log as stored in `<P>.raw.<S>`. */
export function readSessionRaw(
  client: NatsClient,
  names: NatsNames,
  sessionId: string,
): Promise<StoredRecord<RawRecord>[]> {
  return readSubject<RawRecord>(client, names.streams.raw, names.raw(sessionId));
}
