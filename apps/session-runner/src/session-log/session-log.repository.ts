import type { NatsNames } from '@lap/contracts';
import type { SubjectLog } from '@lap/messaging';
import { SessionLog } from './session-log';
import { EMPTY_POSITION, positionFromHeaders } from './session-position';

/** Opens sessions' raw logs at their newest record. */
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
}
