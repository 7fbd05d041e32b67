import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { DeliverPolicy, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsNames } from '@lap/contracts';
import { NatsClient, sleep } from '@lap/messaging';
import { NATS_NAMES } from '../messaging/nats-names.token';
import { EventBatch } from './event-batch';
import {
  headerLookup,
  loggedEventOf,
  sessionIdOf,
  type HeaderLookup,
  type LoggedEvent,
} from './logged-event';

export type LiveEventListener = (batch: EventBatch) => void;

/** A message of `<P>_EVENTS` as the fan-out received it, whichever session it belongs to. */
export interface FedMessage {
  /**
   * The sequence of the message the fan-out received just before this one (it misses none in
   * between), so a reader knows whether it saw them all; undefined for the first one it received,
   * which follows nothing known.
   */
  previousSeq: number | undefined;
  seq: number;
  subject: string;
  sessionId: string;
  header: HeaderLookup;
  data: Uint8Array;
}

/** Called with every message the fan-out receives, in stream order. */
export type StreamFeed = (message: FedMessage) => void;

const RESTART_DELAY_MS = 1_000;

interface SessionListeners {
  set: Set<LiveEventListener>;
  /** `set` as an array, rebuilt only when a listener comes or goes (not per event). */
  snapshot?: LiveEventListener[];
}

/**
 * The process's one live subscription to `<P>.events.*`: an ordered consumer starting at the end of the
 * stream, whose events are dispatched in memory to the listeners of each session. However many SSE
 * clients watch, NATS sees one consumer per gateway. Listeners get events in stream order; history
 * and holes are the listener's business (see SseClient).
 *
 * The per-event work is done once, not per client: a message for a session nobody watches is dropped
 * before its body is looked at, and a watched one's SSE bytes are built once and shared. Events the
 * consumer delivers in one go (a burst) are handed to each session's listeners as one batch, right
 * after the burst (on the next tick), so a client gets one write per burst rather than per event.
 */
@Injectable()
export class EventFanout implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('EventFanout');
  private readonly listeners = new Map<string, SessionListeners>();
  private readonly stopping = new AbortController();
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;
  private lastStreamSeq = 0;
  /** Consumers opened over the process's life: 1, plus one per restart after a failure. */
  private consumersOpened = 0;
  private eventsDispatched = 0;
  /** Deliveries to a session's listeners: fewer than events when bursts were handed over whole. */
  private batchesDispatched = 0;
  /** Events received since the last flush, by session, in stream order. */
  private pending = new Map<string, LoggedEvent[]>();
  private flushScheduled = false;
  private feed?: StreamFeed;

  constructor(
    @Inject(NatsClient) private readonly nats: NatsClient,
    @Inject(NATS_NAMES) private readonly names: NatsNames,
  ) {}

  async onModuleInit(): Promise<void> {
    // The first consumer is opened here, so a gateway that cannot read the stream fails to start.
    const first = await this.open();
    this.loop = this.run(first);
    void this.reopenAfterReconnects();
  }

  /**
   * After NATS comes back, the ordered consumer can sit silent until its heartbeat check gives up
   * (tens of seconds); closing it on reconnect makes `run` reopen it right after the last event seen.
   */
  private async reopenAfterReconnects(): Promise<void> {
    for await (const status of this.nats.connection.status()) {
      if (this.stopping.signal.aborted) return;
      if (status.type === 'reconnect') await this.messages?.close().catch(() => undefined);
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping.abort();
    await this.messages?.close().catch(() => undefined);
    await this.loop;
    this.listeners.clear();
    this.pending.clear();
  }

  /** Adds a listener for one session's live events; returns the function that removes it. */
  subscribe(sessionId: string, listener: LiveEventListener): () => void {
    let entry = this.listeners.get(sessionId);
    if (!entry) this.listeners.set(sessionId, (entry = { set: new Set() }));
    entry.set.add(listener);
    entry.snapshot = undefined;
    const own = entry;
    return () => {
      if (!own.set.delete(listener)) return;
      own.snapshot = undefined;
      if (own.set.size === 0 && this.listeners.get(sessionId) === own) this.listeners.delete(sessionId);
    };
  }

  /**
   * Hands every message received from now on to `feed` (undefined: to nobody), watched or not: the
   * projection reads the stream through the fan-out's subscription rather than a second one.
   */
  feedEvery(feed: StreamFeed | undefined): void {
    this.feed = feed;
  }

  /** For probes and tests: how much is attached to the fan-out right now. */
  stats() {
    let listeners = 0;
    for (const entry of this.listeners.values()) listeners += entry.set.size;
    return {
      listeners,
      sessionsWatched: this.listeners.size,
      liveConsumers: this.messages && !this.stopping.signal.aborted ? 1 : 0,
      consumersOpened: this.consumersOpened,
      eventsDispatched: this.eventsDispatched,
      batchesDispatched: this.batchesDispatched,
    };
  }

  /**
   * Starts at the end of the stream the first time; after a failure, right after the last event seen.
   * Reads the whole stream with no filter (every subject in it is a session's events): nats-server 2.9
   * would match each delivered message against a filter, even one equal to the stream's subject.
   */
  private async open(): Promise<ConsumerMessages> {
    const consumer = await this.nats.js.consumers.get(this.names.streams.events, {
      ...(this.lastStreamSeq === 0
        ? { deliver_policy: DeliverPolicy.New }
        : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: this.lastStreamSeq + 1 }),
    });
    this.messages = await consumer.consume();
    this.consumersOpened++;
    return this.messages;
  }

  /** Dispatches until stopped; the ordered consumer heals itself, and anything worse reopens it. */
  private async run(first: ConsumerMessages): Promise<void> {
    let messages: ConsumerMessages | undefined = first;
    while (!this.stopping.signal.aborted) {
      try {
        messages ??= await this.open();
        for await (const message of messages) {
          const previousSeq = this.lastStreamSeq || undefined;
          this.lastStreamSeq = message.seq;
          this.dispatch(message, previousSeq);
        }
      } catch (error) {
        if (this.stopping.signal.aborted) break;
        this.logger.warn(`live event subscription failed; reopening: ${(error as Error).message}`);
      }
      messages = undefined;
      await sleep(RESTART_DELAY_MS, this.stopping.signal);
    }
  }

  private dispatch(message: JsMsg, previousSeq: number | undefined): void {
    const header = headerLookup(message);
    const sessionId = sessionIdOf(message.subject, header);
    if (this.feed) {
      const { seq, subject, data } = message;
      try {
        this.feed({ previousSeq, seq, subject, sessionId, header, data });
      } catch (error) {
        this.logger.error(`the stream feed failed on message ${seq}: ${(error as Error).message}`);
      }
    }
    // Nobody watches this session: nothing to decode.
    if (!this.listeners.has(sessionId)) return;
    let event: LoggedEvent;
    try {
      event = loggedEventOf(message.seq, message.subject, header, message.data);
    } catch (error) {
      this.logger.warn(`skipping message ${message.seq} on ${message.subject}: ${(error as Error).message}`);
      return;
    }
    let events = this.pending.get(sessionId);
    if (!events) this.pending.set(sessionId, (events = []));
    events.push(event);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // After the microtasks that deliver the rest of the burst, before any other I/O.
      process.nextTick(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    const pending = this.pending;
    this.pending = new Map();
    for (const [sessionId, events] of pending) {
      const entry = this.listeners.get(sessionId);
      if (!entry) continue;
      this.eventsDispatched += events.length;
      this.batchesDispatched++;
      const batch = new EventBatch(events);
      for (const listener of (entry.snapshot ??= [...entry.set])) {
        try {
          listener(batch);
        } catch (error) {
          this.logger.error(`an SSE listener of ${sessionId} failed: ${(error as Error).message}`);
        }
      }
    }
  };
}
