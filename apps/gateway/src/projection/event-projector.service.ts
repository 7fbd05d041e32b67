import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { eventNumberOf, Header, sessionIdOfSubject, type NatsNames, type SessionEvent } from '@lap/contracts';
import { isDatabaseUnavailable, isTransactionConflict } from '@lap/db';
import { decodeText, DurableWorker, NatsClient, sleep, type WorkItem } from '@lap/messaging';
import { NATS_NAMES } from '../messaging/nats-names.token';
import type { EventToProject, ProjectionOutcome } from './batch-fold';
import { ProjectionRepository } from './projection.repository';

/** How long to wait before offering an event whose predecessor is not projected yet. */
const PREDECESSOR_RETRY_MS = 200;
/** After this many deliveries, a missing predecessor is taken as gone (aged out of the stream). */
const MAX_PREDECESSOR_WAITS = 50;
const MAX_DATABASE_RETRY_MS = 30_000;
/** How soon a session's events are offered again after its transaction lost to another one. */
const CONFLICT_RETRY_MS = 1_000;
/**
 * After this many deliveries an event PostgreSQL still refuses on its own (one no publisher of ours
 * writes: a NUL in its type, say) is left out of the projection: it stays in JetStream, where SSE and
 * other subscribers read it.
 */
const MAX_REFUSED_DELIVERIES = 10;
/** Most events written in one transaction (6 parameters each in the insert). */
const MAX_BATCH = 1_000;
/**
 * How long the first event of a batch waits for others to join it. Nothing a client streams waits for
 * the projection (SSE comes from NATS), and one transaction for tens of events instead of one each is
 * most of what the projection costs the gateway and PostgreSQL.
 */
const LINGER_MS = 25;

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
 * One transaction at a time, for every session at once: the events delivered while it runs (or in the
 * short linger after the first) are the next transaction's batch.
 */
@Injectable()
export class EventProjector implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('EventProjector');
  private readonly worker: DurableWorker;
  /** Per session, the events delivered but not yet taken into a batch. */
  private readonly queues = new Map<string, QueuedEvent[]>();
  private queued = 0;
  /** When the oldest queued event arrived. */
  private queuedSince = 0;
  private flushing = false;
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
        // Events queued for the next transaction count as in flight, so this caps the batches. They
        // cost only memory (parsed events): the database sees one transaction at a time.
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
    const body = decodeText(item.data);
    let event: SessionEvent;
    try {
      event = JSON.parse(body) as SessionEvent;
    } catch {
      item.term('not JSON');
      return undefined;
    }
    if (typeof event?.id !== 'string' || typeof event.type !== 'string') {
      this.logger.warn(`message ${item.seq} on ${item.subject} is not a session event; skipped`);
      item.term('not a session event');
      return undefined;
    }
    return {
      seq: item.seq,
      number: eventNumberOf(item.headers[Header.EventNumber]),
      event,
      body,
      ignoreMissingPredecessor: item.deliveryCount > MAX_PREDECESSOR_WAITS,
    };
  }

  /**
   * One transaction at a time keeps each session's events in order inside this process, so they
   * neither race for the session's row nor wait on each other as "predecessor not projected yet".
   */
  private enqueue(sessionId: string, queued: QueuedEvent): void {
    if (this.queued === 0) this.queuedSince = Date.now();
    const queue = this.queues.get(sessionId);
    if (queue) queue.push(queued);
    else this.queues.set(sessionId, [queued]);
    this.queued++;
    if (!this.flushing) void this.flush();
  }

  /** Projects what is queued, a batch per transaction, until nothing is. */
  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queued > 0) {
        const lingered = Date.now() - this.queuedSince;
        if (this.queued < MAX_BATCH && lingered < LINGER_MS) await sleep(LINGER_MS - lingered);
        await this.projectBatch(this.takeBatch());
      }
    } finally {
      this.flushing = false;
    }
  }

  /**
   * Up to MAX_BATCH queued events, each session's in stream order: the order the fold applies them in
   * (a redelivered event may arrive after its successors).
   */
  private takeBatch(): Map<string, QueuedEvent[]> {
    const batch = new Map<string, QueuedEvent[]>();
    let room = MAX_BATCH;
    for (const [sessionId, queue] of this.queues) {
      if (room === 0) break;
      queue.sort((a, b) => a.item.seq - b.item.seq);
      const taken = queue.splice(0, room);
      batch.set(sessionId, taken);
      room -= taken.length;
      if (queue.length === 0) this.queues.delete(sessionId);
    }
    this.queued -= MAX_BATCH - room;
    return batch;
  }

  /** Never rejects: every event of the batch is settled, or its promise rejected for the worker to nak. */
  private async projectBatch(batch: Map<string, QueuedEvent[]>): Promise<void> {
    let outcomes: Map<string, ProjectionOutcome[]>;
    try {
      outcomes = await this.projection.project(
        new Map([...batch].map(([sessionId, queue]) => [sessionId, queue.map(({ input }) => input)])),
      );
    } catch (error) {
      if (isDatabaseUnavailable(error)) return this.retryLater(batch, databaseRetryMs);
      // A lock held elsewhere (or a deadlock): the sessions apart, so only the one in conflict waits.
      if (isTransactionConflict(error) && batch.size === 1)
        return this.retryLater(batch, () => CONFLICT_RETRY_MS);
      // Something in the batch broke the transaction: project each session's events, then each event,
      // apart, so that only the event at fault fails (as it would have alone) and the others go on.
      if (batch.size > 1) {
        for (const [sessionId, queue] of batch) await this.projectBatch(new Map([[sessionId, queue]]));
        return;
      }
      const [[sessionId, queue]] = batch;
      if (queue.length > 1) {
        for (const queued of queue) await this.projectBatch(new Map([[sessionId, [queued]]]));
        return;
      }
      return this.refused(queue[0], error);
    }
    for (const [sessionId, queue] of batch) {
      const sessionOutcomes = outcomes.get(sessionId) ?? [];
      queue.forEach((queued, index) =>
        settle(queued.item, sessionOutcomes[index]).then(queued.resolve, queued.reject),
      );
    }
  }

  /** Hands the batch back, each event to be offered again after `delayMs(item)`. */
  private retryLater(batch: Map<string, QueuedEvent[]>, delayMs: (item: WorkItem) => number): void {
    const events = [...batch.values()].flat();
    if (events.some(({ item }) => item.deliveryCount === 1)) {
      this.logger.warn(`projection failed for now; ${events.length} event(s) retried later`);
    }
    for (const { item, resolve } of events) {
      try {
        item.nak(delayMs(item));
      } catch {
        // The connection is closing: the event is redelivered after its ack wait anyway.
      }
      resolve();
    }
  }

  /** PostgreSQL refuses this event even alone: retried with the worker's backoff, then left out. */
  private refused(queued: QueuedEvent, error: unknown): void {
    const { item } = queued;
    if (item.deliveryCount < MAX_REFUSED_DELIVERIES) return queued.reject(error);
    this.logger.error(
      `event #${item.seq} on ${item.subject} left out of the projection after ${item.deliveryCount} refusals: ${(error as Error)?.message}`,
    );
    item.term('refused by PostgreSQL');
    queued.resolve();
  }
}

/** The database is down: a delay growing with the event's deliveries. */
function databaseRetryMs(item: WorkItem): number {
  return Math.min(MAX_DATABASE_RETRY_MS, 500 * 2 ** Math.min(item.deliveryCount, 6));
}

async function settle(item: WorkItem, outcome: ProjectionOutcome): Promise<void> {
  if (outcome === 'waiting') return item.nak(PREDECESSOR_RETRY_MS);
  await item.ack();
}
