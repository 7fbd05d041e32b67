import type { RawRecord } from '@lap/contracts';
import { readSubjectRange, type SubjectLog } from '@lap/messaging';
import type { TestNats } from '@lap/testing';

export interface StoredRawRecord {
  record: RawRecord;
  headers: Record<string, string>;
  seq: number;
}

/** Every record of a session's raw log, oldest first. */
export async function readRawRecords(
  nats: TestNats,
  raw: SubjectLog,
  sessionId: string,
): Promise<StoredRawRecord[]> {
  const subject = nats.names.raw(sessionId);
  const last = await raw.last(subject);
  const records: StoredRawRecord[] = [];
  if (!last) return records;
  for await (const stored of readSubjectRange<RawRecord>(nats.client.js, raw.stream, subject, 0, last.seq)) {
    records.push({ record: stored.data, headers: stored.headers, seq: stored.seq });
  }
  return records;
}
