import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { Header, sessionIdOfSubject, type NatsNames, type SessionEvent } from '@lap/contracts';
import { isDatabaseUnavailable } from '@lap/db';
import { DurableWorker, NatsClient, type WorkItem } from '@lap/messaging';
import { NATS_NAMES } from '../messaging/nats-names.token';
import { ProjectionRepository } from './projection.repository';

/** How long to wait before offering an event whose predecessor is not projected yet. */
const PREDECESSOR_RETRY_MS = 200;
/** After this many deliveries, a missing predecessor is taken as gone (aged out of the stream). */
const MAX_PREDECESSOR_WAITS = 50;
const MAX_DATABASE_RETRY_MS = 30_000;

/** `<UPPER PREFIX>_gateway_projector`, derived from the events stream's name (`<UPPER PREFIX>_EVENTS`). */
export function projectorDurableName(names: NatsNames): string {
  return `${names.streams.events.replace(/_EVENTS$/, '')}_gateway_projector`;
}

/**
 * Projects `<P>_EVENTS` into Postgres: every event into `session_events`, and its effect (status,
 * outputs, last sequence) onto its session, in stream order per session. All gateway replicas share
 * one durable consumer, so each event is projected once; a redelivered one changes nothing. While the
 * database is down, events are handed back with a growing delay and projected when it returns.
 */
@Injectable()
export class EventProjector implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('EventProjector');
  private readonly worker: DurableWorker;
  /** Per session, the projection in progress: one session's events are written one after another. */
  private readonly inProgress = new Map<string, Promise<void>>();
  private started = false;

  constructor(
    @Inject(NatsClient) nats: NatsClient,
    @Inject(NATS_NAMES) names: NatsNames,
    private readonly projection: ProjectionRepository,
  ) {
    this.worker = new DurableWorker(
      nats,
      {
        stream: names.streams.events,
        durable: projectorDurableName(names),
        filterSubject: names.allEvents,
        ackWaitMs: 30_000,
        concurrency: 64,
        maxAckPending: 1_000,
      },
      (message, error) => this.logger.warn(`${message}: ${(error as Error)?.message ?? error}`),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.worker.ensureConsumer();
    this.worker.start((item) => this.handle(item));
    this.started = true;
  }

  async onModuleDestroy(): Promise<void> {
    if (this.started) await this.worker.stop();
    this.started = false;
  }

  /**
   * Events arrive in stream order; chaining them per session keeps that order inside this process, so
   * they neither race for the session's row nor wait on each other as "predecessor not projected yet".
   */
  private handle(item: WorkItem): Promise<void> {
    const sessionId = item.headers[Header.SessionId] ?? sessionIdOfSubject(item.subject);
    const previous = this.inProgress.get(sessionId) ?? Promise.resolve();
    const current = previous.then(() => this.project(item, sessionId));
    const settled = current.catch(() => undefined);
    this.inProgress.set(sessionId, settled);
    void settled.then(() => {
      if (this.inProgress.get(sessionId) === settled) this.inProgress.delete(sessionId);
    });
    return current;
  }

  private async project(item: WorkItem, sessionId: string): Promise<void> {
    let event: SessionEvent;
    try {
      event = item.json<SessionEvent>();
    } catch {
      item.term('not JSON');
      return;
    }
    if (typeof event?.id !== 'string' || typeof event.type !== 'string') {
      this.logger.warn(`message ${item.seq} on ${item.subject} is not a session event; skipped`);
      item.term('not a session event');
      return;
    }
    const prev = Number.parseInt(item.headers[Header.PrevSeq] ?? '', 10);
    try {
      const outcome = await this.projection.project({
        seq: item.seq,
        sessionId,
        prevSeq: Number.isFinite(prev) ? prev : undefined,
        event,
        ignoreMissingPredecessor: item.deliveryCount > MAX_PREDECESSOR_WAITS,
      });
      if (outcome === 'waiting') return item.nak(PREDECESSOR_RETRY_MS);
      await item.ack();
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      const delay = Math.min(MAX_DATABASE_RETRY_MS, 500 * 2 ** Math.min(item.deliveryCount, 6));
      if (item.deliveryCount === 1) this.logger.warn(`database unavailable; event ${item.seq} retried later`);
      item.nak(delay);
    }
  }
}
