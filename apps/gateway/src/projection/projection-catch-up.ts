import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { NatsNames } from '@lap/contracts';
import { NatsClient, sleep } from '@lap/messaging';
import { NATS_NAMES } from '../messaging/nats-names.token';

/**
 * How long a read waits for the projection at most. Past it the read answers with what is projected:
 * a projector far behind (catching up after an outage) slows reads by this much, never stops them.
 */
const MAX_WAIT_MS = 500;
/** The JetStream lookup of the newest event; without an answer by then (NATS away) the read does not wait. */
const LOOKUP_TIMEOUT_MS = 250;
const FIRST_POLL_MS = 5;
const MAX_POLL_MS = 50;

/**
 * Lets the REST reads see what SSE already delivered. SSE streams come straight from JetStream, while
 * session views and event lists come from the projection, which lags by its batching (tens of
 * milliseconds): a client that saw `session.status_idle` and then reads the session or lists its events
 * must find them there.
 */
@Injectable()
export class ProjectionCatchUp {
  constructor(
    @Inject(NatsClient) private readonly nats: NatsClient,
    @Inject(NATS_NAMES) private readonly names: NatsNames,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  /**
   * Waits until the session's row has taken in its newest event in JetStream as of the call (and so
   * every event before it), or MAX_WAIT_MS. `session` is the row as the caller read it: when it is
   * already there, nothing is read again. Resolves true when it had to wait (the caller's copy is then
   * older than the row). Best effort: with NATS away it waits no longer than LOOKUP_TIMEOUT_MS, and the
   * read answers from the projection as it is.
   */
  async awaitSession(session: { id: string; lastEventSeq: number }): Promise<boolean> {
    const newest = await this.newestSeq(session.id);
    if (newest <= session.lastEventSeq) return false;
    const deadline = Date.now() + MAX_WAIT_MS;
    for (let pollMs = FIRST_POLL_MS; ; pollMs *= 2) {
      const left = deadline - Date.now();
      if (left <= 0) return true;
      await sleep(Math.min(pollMs, MAX_POLL_MS, left));
      if ((await this.projectedSeq(session.id)) >= newest) return true;
    }
  }

  private async newestSeq(sessionId: string): Promise<number> {
    const lookup = this.nats.jsm.direct
      .getMessage(this.names.streams.events, { last_by_subj: this.names.events(sessionId) })
      .then((newest) => newest?.seq ?? 0)
      .catch(() => 0);
    return Promise.race([lookup, sleep(LOOKUP_TIMEOUT_MS).then(() => 0)]);
  }

  private async projectedSeq(sessionId: string): Promise<number> {
    const rows: Array<{ last_event_seq: string }> = await this.dataSource.query(
      'SELECT last_event_seq FROM sessions WHERE id = $1',
      [sessionId],
    );
    return rows.length > 0 ? Number(rows[0].last_event_seq) : Infinity;
  }
}
