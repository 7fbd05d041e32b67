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
import type { EventToProject, ProjectionOutcome } from './batch-fold';
import { ConcurrencyLimit } from './concurrency-limit';
import { ProjectionRepository } from './projection.repository';

/** How long to wait before offering an event whose predecessor is not projected yet. */
const PREDECESSOR_RETRY_MS = 200;
/** After this many deliveries, a missing predecessor is taken as gone (aged out of the stream). */
const MAX_PREDECESSOR_WAITS = 50;
const MAX_DATABASE_RETRY_MS = 30_000;
/** Most events of one session written in one transaction (6 parameters each in the insert). */
const MAX_BATCH = 500;
/**
 * Sessions projected at once. Below the pool's 10 connections, so HTTP requests still get one; a
 * session waiting for its turn meanwhile gathers a bigger batch, which is what keeps up under load.
 */
const CONCURRENT_TRANSACTIONS = 4;

/** `<UPPER PREFIX>_gateway_projector`, derived from the events stream's name (`<UPPER PREFIX>_EVENTS`). */
export function projectorDurableName(names: NatsNames): string {
  return `${names.streams.events.replace(/_EVENTS$/, '')}_gateway_projector`;
}

/** A delivered event waiting for its session's next transaction, and the worker's promise for it. */
interface QueuedEvent {
  item: WorkItem;
  input: EventToProject;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Projects `<P>_EVENTS` into Postgres: every event into `session_events`, and its effect (status,
 * outputs, last sequence) onto its session, in stream order per session. All gateway replicas share
 * one durable consumer, so each event is projected once; a redelivered one changes nothing. While the
 * database is down, events are handed back with a growing delay and projected when it returns.
 *
 * One transaction per session at a time: events delivered while it runs queue up, and the next
 * transaction takes all of them. Under light load a batch is the one event just delivered.
 */
@Injectable()
export class EventProjector implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('EventProjector');
  private readonly worker: DurableWorker;
  /** Per session with a projection in progress, the events delivered but not yet taken into a batch. */
  private readonly queues = new Map<string, QueuedEvent[]>();
  private readonly transactions = new ConcurrencyLimit(CONCURRENT_TRANSACTIONS);
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
        // Events queued behind their session's transaction count as in flight, so this caps the
        // batches: room for many lets a busy session's next transaction take hundreds at once. They
        // cost only memory (parsed events), the database sees CONCURRENT_TRANSACTIONS at most.
        concurrency: 1_000,
        // Across replicas: five of them at full concurrency.
        maxAckPending: 5_000,
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

  /** Settles (acks, naks or terms) the item once its batch is projected. */
  private handle(item: WorkItem): Promise<void> {
    const input = this.parse(item);
    if (!input) return Promise.resolve();
    const sessionId = item.headers[Header.SessionId] ?? sessionIdOfSubject(item.subject);
    return new Promise((resolve, reject) => this.enqueue(sessionId, { item, input, resolve, reject }));
  }

  /** The item as an event to project, or undefined (the item termed) when it is not a session event. */
  private parse(item: WorkItem): EventToProject | undefined {
    let event: SessionEvent;
    try {
      event = item.json<SessionEvent>();
    } catch {
      item.term('not JSON');
      return undefined;
    }
    if (typeof event?.id !== 'string' || typeof event.type !== 'string') {
      this.logger.warn(`message ${item.seq} on ${item.subject} is not a session event; skipped`);
      item.term('not a session event');
      return undefined;
    }
    const prevSeq = Number.parseInt(item.headers[Header.PrevSeq] ?? '', 10);
    return {
      seq: item.seq,
      prevSeq: Number.isFinite(prevSeq) ? prevSeq : undefined,
      event,
      ignoreMissingPredecessor: item.deliveryCount > MAX_PREDECESSOR_WAITS,
    };
  }

  /**
   * One projection in progress per session keeps its events in order inside this process, so they
   * neither race for the session's row nor wait on each other as "predecessor not projected yet".
   */
  private enqueue(sessionId: string, queued: QueuedEvent): void {
    const queue = this.queues.get(sessionId);
    if (queue) {
      queue.push(queued);
      return;
    }
    const fresh = [queued];
    this.queues.set(sessionId, fresh);
    void this.drain(sessionId, fresh);
  }

  /** Projects the session's queue, all that is queued at each turn in one transaction, until it is empty. */
  private async drain(sessionId: string, queue: QueuedEvent[]): Promise<void> {
    while (queue.length > 0) {
      // The batch is taken once a transaction may start: events that arrived while waiting join it.
      await this.transactions.run(() => this.projectBatch(sessionId, takeBatch(queue)));
    }
    this.queues.delete(sessionId);
  }

  /** Never rejects: every event of the batch is settled, or its promise rejected for the worker to nak. */
  private async projectBatch(sessionId: string, batch: QueuedEvent[]): Promise<void> {
    let outcomes: ProjectionOutcome[];
    try {
      outcomes = await this.projection.project(
        sessionId,
        batch.map(({ input }) => input),
      );
    } catch (error) {
      if (isDatabaseUnavailable(error)) return this.retryLater(sessionId, batch);
      // Something in the batch broke the transaction: project its events one by one, so that only
      // the event at fault fails (as it would have alone) and the others are not held back with it.
      if (batch.length > 1) {
        for (const queued of batch) await this.projectBatch(sessionId, [queued]);
        return;
      }
      return batch[0].reject(error);
    }
    batch.forEach((queued, index) =>
      settle(queued.item, outcomes[index]).then(queued.resolve, queued.reject),
    );
  }

  /** The database is down: hand the batch back, each event with a delay growing with its deliveries. */
  private retryLater(sessionId: string, batch: QueuedEvent[]): void {
    if (batch.some(({ item }) => item.deliveryCount === 1)) {
      this.logger.warn(
        `database unavailable; ${batch.length} event(s) of session ${sessionId} retried later`,
      );
    }
    for (const { item, resolve } of batch) {
      item.nak(Math.min(MAX_DATABASE_RETRY_MS, 500 * 2 ** Math.min(item.deliveryCount, 6)));
      resolve();
    }
  }
}

/**
 * The first MAX_BATCH queued events in stream order: the order the fold applies them in (a redelivered
 * event may arrive after its successors), and the same row order for every replica's insert.
 */
function takeBatch(queue: QueuedEvent[]): QueuedEvent[] {
  queue.sort((a, b) => a.item.seq - b.item.seq);
  return queue.splice(0, MAX_BATCH);
}

async function settle(item: WorkItem, outcome: ProjectionOutcome): Promise<void> {
  if (outcome === 'waiting') return item.nak(PREDECESSOR_RETRY_MS);
  await item.ack();
}
