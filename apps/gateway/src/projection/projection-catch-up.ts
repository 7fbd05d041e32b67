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
const POLL_MS = 5;

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

  /** Resolves once the session's newest event in JetStream (as of the call) is projected, or after MAX_WAIT_MS. */
  async awaitSession(sessionId: string): Promise<void> {
    const newest = await this.nats.jsm.direct.getMessage(this.names.streams.events, {
      last_by_subj: this.names.events(sessionId),
    });
    if (!newest) return;
    const deadline = Date.now() + MAX_WAIT_MS;
    while (!(await this.isProjected(newest.seq)) && Date.now() < deadline) await sleep(POLL_MS);
  }

  private async isProjected(seq: number): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query('SELECT 1 FROM session_events WHERE seq = $1', [seq]);
    return rows.length > 0;
  }
}
