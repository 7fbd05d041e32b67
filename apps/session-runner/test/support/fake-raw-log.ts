import type { RawRecord } from '@lap/contracts';
import { decodeJson, type AppendOptions, type Appended, type SubjectLog } from '@lap/messaging';

export interface StoredRawRecord {
  msgId: string;
  expect?: number;
  headers: Record<string, string>;
  record: RawRecord;
}

/**
 * A session's raw log in memory that stores by message id, answering a repeated id as JetStream does
 * ("duplicate", with the stored copy's sequence) and refusing an append whose expected last sequence is
 * not the log's.
 */
export class FakeRawLog {
  readonly stored: StoredRawRecord[] = [];

  asSubjectLog(): SubjectLog {
    return this as unknown as SubjectLog;
  }

  async appendEncoded(_subject: string, payload: Uint8Array, options: AppendOptions): Promise<Appended> {
    const earlier = this.stored.findIndex((entry) => entry.msgId === options.msgId);
    if (earlier >= 0) return { seq: earlier + 1, duplicate: true };
    if (options.expectLastSubjectSeq !== this.stored.length) throw new Error('wrong last sequence');
    this.stored.push({
      msgId: options.msgId,
      expect: options.expectLastSubjectSeq,
      headers: options.headers ?? {},
      record: decodeJson<RawRecord>(payload),
    });
    return { seq: this.stored.length, duplicate: false };
  }
}
