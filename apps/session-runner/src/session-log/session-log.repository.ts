import type { NatsNames, RawRecord } from '@lap/contracts';
import type { StoredRecord, SubjectLog } from '@lap/messaging';
import { SessionLog } from './session-log';
import { EMPTY_POSITION, positionFromHeaders } from './session-position';

/** Opens sessions' raw logs at their newest record, and reads them. */
export class SessionLogRepository {
  constructor(
    private readonly raw: SubjectLog,
    private readonly names: NatsNames,
  ) {}

  async open(sessionId: string): Promise<SessionLog> {
    const subject = this.names.raw(sessionId);
    const last = await this.raw.last<unknown>(subject);
    const position = last ? positionFromHeaders(last.seq, last.headers) : EMPTY_POSITION;
    return new SessionLog(this.raw, sessionId, subject, position);
  }

  /** The session's raw records stored at or after `since`, oldest first. */
  recordsSince(sessionId: string, since: Date): AsyncGenerator<StoredRecord<RawRecord>> {
    return this.raw.since<RawRecord>(this.names.raw(sessionId), since);
  }
}
