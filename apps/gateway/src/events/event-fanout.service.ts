import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { DeliverPolicy, type ConsumerMessages } from '@nats-io/jetstream';
import type { NatsNames } from '@lap/contracts';
import { decodeJson, fromNatsHeaders, NatsClient, sleep } from '@lap/messaging';
import { NATS_NAMES } from '../messaging/nats-names.token';
import { toLoggedEvent, type LoggedEvent } from './logged-event';

export type LiveEventListener = (event: LoggedEvent) => void;

const RESTART_DELAY_MS = 1_000;

/**
 * The process's one live subscription to `<P>.events.*`: an ordered consumer starting at the end of the
 * stream, whose events are dispatched in memory to the listeners of each session. However many SSE
 * clients watch, NATS sees one consumer per gateway. Listeners get events in stream order; history
 * and holes are the listener's business (see SseClient).
 */
@Injectable()
export class EventFanout implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('EventFanout');
  private readonly listeners = new Map<string, Set<LiveEventListener>>();
  private readonly stopping = new AbortController();
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;
  private lastStreamSeq = 0;
  /** Consumers opened over the process's life: 1, plus one per restart after a failure. */
  private consumersOpened = 0;
  private eventsDispatched = 0;

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
  }

  /** Adds a listener for one session's live events; returns the function that removes it. */
  subscribe(sessionId: string, listener: LiveEventListener): () => void {
    let set = this.listeners.get(sessionId);
    if (!set) this.listeners.set(sessionId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(sessionId) === set) this.listeners.delete(sessionId);
    };
  }

  /** For probes and tests: how much is attached to the fan-out right now. */
  stats() {
    let listeners = 0;
    for (const set of this.listeners.values()) listeners += set.size;
    return {
      listeners,
      sessionsWatched: this.listeners.size,
      liveConsumers: this.messages && !this.stopping.signal.aborted ? 1 : 0,
      consumersOpened: this.consumersOpened,
      eventsDispatched: this.eventsDispatched,
    };
  }

  /** Starts at the end of the stream the first time; after a failure, right after the last event seen. */
  private async open(): Promise<ConsumerMessages> {
    const consumer = await this.nats.js.consumers.get(this.names.streams.events, {
      filter_subjects: this.names.allEvents,
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
          this.lastStreamSeq = message.seq;
          this.dispatch(message.seq, message.subject, fromNatsHeaders(message.headers), message.data);
        }
      } catch (error) {
        if (this.stopping.signal.aborted) break;
        this.logger.warn(`live event subscription failed; reopening: ${(error as Error).message}`);
      }
      messages = undefined;
      await sleep(RESTART_DELAY_MS, this.stopping.signal);
    }
  }

  private dispatch(seq: number, subject: string, headers: Record<string, string>, data: Uint8Array): void {
    let event: LoggedEvent;
    try {
      event = toLoggedEvent(seq, subject, headers, decodeJson(data));
    } catch (error) {
      this.logger.warn(`skipping message ${seq} on ${subject}: ${(error as Error).message}`);
      return;
    }
    const listeners = this.listeners.get(event.sessionId);
    if (!listeners) return;
    this.eventsDispatched++;
    for (const listener of [...listeners]) listener(event);
  }
}
