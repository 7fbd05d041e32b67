import { AckPolicy, DeliverPolicy, type Consumer, type JsMsg } from '@nats-io/jetstream';
import type { NatsClient } from './nats-client';
import { headersOf } from './nats-headers';
import { decodeJson } from './json-codec';
import { sleep } from './sleep';
import { isNotFound } from './streams';

const NANOS_PER_MS = 1_000_000;

export interface DurableWorkerOptions {
  stream: string;
  /** Shared by every replica: JetStream spreads the messages over them. */
  durable: string;
  /** Un-acked for longer than this (without an in-progress ack), a message goes to another worker. */
  ackWaitMs: number;
  /** Most messages this process handles at once. */
  concurrency: number;
  /** Most un-acked messages across all replicas. */
  maxAckPending?: number;
  /** How long one pull waits for messages before asking again. */
  pullExpiresMs?: number;
}

/** One delivered message, with the controls its handler uses to settle it. */
export interface WorkItem {
  subject: string;
  /** The message's sequence in the stream. */
  seq: number;
  /** 1 on first delivery. */
  deliveryCount: number;
  headers: Record<string, string>;
  data: Uint8Array;
  json<T>(): T;
  ack(): Promise<void>;
  /** Give it back, to be delivered again after `delayMs`. */
  nak(delayMs?: number): void;
  /** Still working on it: restart the ack-wait clock. */
  working(): void;
  /** Never deliver it again. */
  term(reason?: string): void;
  settled(): boolean;
}

export type WorkHandler = (item: WorkItem, shutdown: AbortSignal) => Promise<void>;

/**
 * Pulls from a shared durable consumer, at most `concurrency` messages at a time, and hands each to
 * the handler. The handler settles the message (ack / nak / term); one that throws is nak'ed with a
 * short delay. `stop()` stops pulling and signals in-flight handlers to hand their work back.
 */
export class DurableWorker {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly shutdown = new AbortController();
  private loop?: Promise<void>;
  private wake?: () => void;

  constructor(
    private readonly client: NatsClient,
    private readonly options: DurableWorkerOptions,
    private readonly onError: (message: string, error: unknown) => void = () => undefined,
  ) {}

  /**
   * Creates the durable consumer or brings its settings up to date. It reads the whole stream, with no
   * filter: nats-server 2.9 matches every message it delivers against a consumer's filter, even one
   * equal to the stream's only subject (a sixth of the server's CPU at saturation). A filter set by an
   * earlier version is removed (`undefined` clears it in the update).
   */
  async ensureConsumer(): Promise<void> {
    const { stream, durable, ackWaitMs, maxAckPending } = this.options;
    const config = {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: undefined,
      ack_wait: ackWaitMs * NANOS_PER_MS,
      max_ack_pending: maxAckPending ?? 10_000,
      max_deliver: -1,
    };
    try {
      await this.client.jsm.consumers.info(stream, durable);
      const { durable_name: _name, deliver_policy: _policy, ...updatable } = config;
      await this.client.jsm.consumers.update(stream, durable, updatable);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await this.client.jsm.consumers.add(stream, config);
    }
  }

  /**
   * Work-queue streams only: removes messages the consumer has already acknowledged (below its ack
   * floor) that the stream still holds. nats-server 2.9 can come back from a restart with an ack
   * persisted in the consumer but the message's removal lost: the message is then never delivered
   * again, yet it sits at the head of its subject, where it would hold up the session's next command.
   * Returns how many were removed.
   */
  async removeAcknowledged(): Promise<number> {
    const { stream, durable } = this.options;
    const consumer = await this.client.jsm.consumers.info(stream, durable);
    const { state } = await this.client.jsm.streams.info(stream);
    const floor = consumer.ack_floor.stream_seq;
    if (state.messages === 0 || state.first_seq > floor) return 0;
    const { purged } = await this.client.jsm.streams.purge(stream, { seq: floor + 1 });
    return purged;
  }

  get activeCount(): number {
    return this.inFlight.size;
  }

  start(handler: WorkHandler): void {
    if (this.loop) throw new Error('worker already started');
    this.loop = this.pullLoop(handler);
  }

  /** Stops pulling, asks running handlers to hand back their work, and waits for them to finish. */
  async stop(): Promise<void> {
    this.shutdown.abort();
    this.wake?.();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
  }

  private async pullLoop(handler: WorkHandler): Promise<void> {
    let consumer: Consumer | undefined;
    while (!this.shutdown.signal.aborted) {
      const free = this.options.concurrency - this.inFlight.size;
      if (free <= 0) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      try {
        consumer ??= await this.client.js.consumers.get(this.options.stream, this.options.durable);
        const batch = await consumer.fetch({
          max_messages: free,
          expires: this.options.pullExpiresMs ?? 2_000,
        });
        for await (const message of batch) {
          if (this.shutdown.signal.aborted) {
            message.nak();
            continue;
          }
          this.dispatch(message, handler);
        }
      } catch (error) {
        if (this.shutdown.signal.aborted) break;
        this.onError(`pulling from ${this.options.durable} failed; retrying`, error);
        // The consumer may be gone (deleted, or lost with a server): look it up again, recreating it if needed.
        consumer = undefined;
        await this.ensureConsumer().catch((e) => this.onError('could not recreate consumer', e));
        await sleep(500, this.shutdown.signal);
      }
    }
  }

  private dispatch(message: JsMsg, handler: WorkHandler): void {
    const item = new DeliveredItem(message);
    const task = handler(item, this.shutdown.signal)
      .catch((error) => {
        this.onError(`handling ${item.subject}#${item.seq} failed`, error);
        if (!item.settled()) item.nak(Math.min(30_000, 250 * 2 ** Math.min(item.deliveryCount, 7)));
      })
      .finally(() => {
        this.inFlight.delete(task);
        this.wake?.();
      });
    this.inFlight.add(task);
  }
}

/** A delivered JetStream message as a work item: methods on the prototype, nothing allocated per call. */
class DeliveredItem implements WorkItem {
  readonly subject: string;
  readonly seq: number;
  readonly deliveryCount: number;
  readonly headers: Record<string, string>;
  private isSettled = false;

  constructor(private readonly message: JsMsg) {
    this.subject = message.subject;
    this.seq = message.seq;
    this.deliveryCount = message.info.deliveryCount;
    this.headers = headersOf(message);
  }

  get data(): Uint8Array {
    return this.message.data;
  }

  json<T>(): T {
    return decodeJson<T>(this.message.data);
  }

  async ack(): Promise<void> {
    this.isSettled = true;
    this.message.ack();
  }

  nak(delayMs?: number): void {
    this.isSettled = true;
    this.message.nak(delayMs);
  }

  working(): void {
    this.message.working();
  }

  term(reason?: string): void {
    this.isSettled = true;
    this.message.term(reason);
  }

  settled(): boolean {
    return this.isSettled;
  }
}
