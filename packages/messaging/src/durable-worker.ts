import { AckPolicy, DeliverPolicy, type Consumer, type ConsumerInfo, type JsMsg } from '@nats-io/jetstream';
import type { NatsClient } from './nats-client';
import { headersOf } from './nats-headers';
import { decodeJson } from './json-codec';
import { serverTimeMs } from './server-time';
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

/** Replicas that find the consumer out of step together wait up to this long, then look again, before one remakes it. */
const REMAKE_JITTER_MS = 500;

/** One delivered message, with the controls its handler uses to settle it. */
export interface WorkItem {
  subject: string;
  /** The message's sequence in the stream. */
  seq: number;
  /** 1 on first delivery. */
  deliveryCount: number;
  /**
   * Stored before the consumer that delivered it was made. A consumer made again (`remakeConsumer`)
   * delivers everything still queued once more, with its delivery counts started over: such a message
   * may have been handled already.
   */
  storedBeforeConsumer: boolean;
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

/** What the stream and its consumer say about the queue: how a repair after a NATS crash starts. */
export interface QueueState {
  /** The stream's first message, the last sequence it stored, and how many messages it holds. */
  firstSeq: number;
  lastSeq: number;
  messages: number;
  /** The last stream sequence the consumer delivered, and the one below which it has all acks. */
  deliveredSeq: number;
  ackFloorSeq: number;
  /** Messages the consumer has still to deliver, and delivered ones it awaits the ack of. */
  undeliveredCount: number;
  ackPendingCount: number;
  /** When the consumer was made: names this one consumer to `remakeConsumer`. */
  consumerCreated: string;
}

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
  /** The consumer this process knows (its `created`); undefined until it is looked up again. */
  private knownConsumer?: string;
  /** When that consumer was made (server clock, ms): messages stored before it may be repeats. */
  private consumerMadeAtMs = 0;
  /** Counts the consumers this process has pulled from: a message from an earlier one settles nothing. */
  private generation = 0;
  /** The consumer's delivery sequence of the last message pulled: it only falls when the consumer is new. */
  private lastDeliverySeq = 0;

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
    const { stream, durable } = this.options;
    try {
      await this.client.jsm.consumers.info(stream, durable);
      const { durable_name: _name, deliver_policy: _policy, ...updatable } = this.consumerConfig();
      this.noteConsumer(await this.client.jsm.consumers.update(stream, durable, updatable));
    } catch (error) {
      if (!isNotFound(error)) throw error;
      this.noteConsumer(await this.client.jsm.consumers.add(stream, this.consumerConfig()));
    }
  }

  /**
   * The consumer is read first: in a healthy stream its last delivered sequence is then never past the
   * stream's last. (A message stored or acknowledged in between can still make the counts disagree.)
   */
  async queueState(): Promise<QueueState> {
    const { stream, durable } = this.options;
    const consumer = await this.client.jsm.consumers.info(stream, durable);
    const { state } = await this.client.jsm.streams.info(stream);
    this.noteConsumer(consumer);
    return {
      firstSeq: state.first_seq,
      lastSeq: state.last_seq,
      messages: state.messages,
      deliveredSeq: consumer.delivered.stream_seq,
      ackFloorSeq: consumer.ack_floor.stream_seq,
      undeliveredCount: consumer.num_pending,
      ackPendingCount: consumer.num_ack_pending,
      consumerCreated: consumer.created,
    };
  }

  /**
   * Deletes the consumer and makes it again, so that it delivers every message the stream holds from
   * the first: the remedy when the consumer's state no longer matches the stream's (it cannot be reset
   * in place on nats-server 2.9). Work queue streams only: their messages outlive the consumer. Does
   * nothing and answers false when the consumer is no longer the one made at `created` (another
   * replica remade it first). What the old consumer delivered settles nothing any more: the new one
   * delivers it again.
   */
  async remakeConsumer(created: string): Promise<boolean> {
    const { stream, durable } = this.options;
    await sleep(Math.random() * REMAKE_JITTER_MS, this.shutdown.signal);
    if (this.shutdown.signal.aborted) return false;
    const current = await this.client.jsm.consumers.info(stream, durable).catch((error: unknown) => {
      if (isNotFound(error)) return undefined;
      throw error;
    });
    if (current?.created !== created) return false;
    await this.client.jsm.consumers.delete(stream, durable).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
    this.noteConsumer(await this.client.jsm.consumers.add(stream, this.consumerConfig()));
    return true;
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

  private consumerConfig() {
    const { durable, ackWaitMs, maxAckPending } = this.options;
    return {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: undefined,
      ack_wait: ackWaitMs * NANOS_PER_MS,
      max_ack_pending: maxAckPending ?? 10_000,
      max_deliver: -1,
    };
  }

  /** An item of this generation may settle its message. */
  isCurrent(generation: number): boolean {
    return generation === this.generation;
  }

  private noteConsumer(consumer: ConsumerInfo): void {
    if (consumer.created === this.knownConsumer) return;
    // Another consumer than the one known: a new generation (unless a delivery already started it).
    if (this.knownConsumer !== undefined) this.newGeneration();
    this.knownConsumer = consumer.created;
    this.consumerMadeAtMs = serverTimeMs(consumer.created) || 0;
  }

  /** What the earlier consumer delivered settles nothing from now on. */
  private newGeneration(): void {
    this.generation++;
    this.lastDeliverySeq = 0;
  }

  /**
   * Another replica made the consumer again (its delivery sequence started over). Until it is looked
   * up, everything it delivers may be a repeat.
   */
  private consumerRemadeElsewhere(): void {
    this.newGeneration();
    this.knownConsumer = undefined;
    this.consumerMadeAtMs = Infinity;
    const { stream, durable } = this.options;
    void this.client.jsm.consumers.info(stream, durable).then(
      (consumer) => this.noteConsumer(consumer),
      (error: unknown) => this.onError('could not look the remade consumer up', error),
    );
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
    const { deliverySequence, timestampNanos } = message.info;
    if (deliverySequence <= this.lastDeliverySeq) this.consumerRemadeElsewhere();
    this.lastDeliverySeq = deliverySequence;
    const storedBeforeConsumer = timestampNanos / NANOS_PER_MS <= this.consumerMadeAtMs;
    const item = new DeliveredItem(message, storedBeforeConsumer, this, this.generation);
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

  constructor(
    private readonly message: JsMsg,
    readonly storedBeforeConsumer: boolean,
    private readonly worker: DurableWorker,
    private readonly generation: number,
  ) {
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

  // Acks go to the consumer by its name: from an earlier consumer's delivery they would settle the new
  // consumer's message at that sequence, which it delivers (or delivered) on its own. A nak would have
  // it delivered again at once, to a second runner.
  async ack(): Promise<void> {
    this.isSettled = true;
    if (this.worker.isCurrent(this.generation)) this.message.ack();
  }

  nak(delayMs?: number): void {
    this.isSettled = true;
    if (this.worker.isCurrent(this.generation)) this.message.nak(delayMs);
  }

  // Harmless from an earlier consumer (it keeps the new one's delivery of that sequence leased), and
  // a generation counted too many must not cost a live run its lease.
  working(): void {
    this.message.working();
  }

  term(reason?: string): void {
    this.isSettled = true;
    if (this.worker.isCurrent(this.generation)) this.message.term(reason);
  }

  settled(): boolean {
    return this.isSettled;
  }
}
