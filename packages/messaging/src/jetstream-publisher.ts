import {
  createInbox,
  NoRespondersError,
  RequestError,
  TimeoutError,
  type Msg,
  type NatsConnection,
  type Subscription,
} from '@nats-io/nats-core';
import { JetStreamApiError, type ApiError } from '@nats-io/jetstream';
import { decodeJson } from './json-codec';
import { toNatsHeaders } from './nats-headers';

export interface JetStreamPublishOptions {
  /** `Nats-Msg-Id`: JetStream stores a message id once inside the stream's duplicate window. */
  msgId?: string;
  /** `Nats-Expected-Last-Subject-Sequence`: stored only if the subject's last message is still this one. */
  expectLastSubjectSeq?: number;
  headers?: Record<string, string>;
  /** How long to wait for JetStream's answer before rejecting with a TimeoutError. */
  timeoutMs: number;
}

/** JetStream's answer to a stored (or recognized duplicate) message. */
export interface PubAck {
  stream: string;
  seq: number;
  duplicate: boolean;
}

interface OutgoingMessage {
  subject: string;
  payload: Uint8Array;
  reply: string;
  headers: ReturnType<typeof toHeaders>;
}

interface PendingAck {
  resolve(ack: PubAck): void;
  reject(error: Error): void;
  subject: string;
  deadline: number;
}

/** How often unanswered publishes are checked against their deadline. */
const SWEEP_EVERY_MS = 100;

/**
 * Publishes to JetStream and resolves with its ack, as `js.publish` does, at about half the client CPU:
 * every ack comes back on one wildcard inbox subscription and one timer checks every deadline, where
 * `js.publish` makes a request with its own timer and error object each time (the runner appends every
 * Cursor frame and the normalizer every event, so this is their hottest call). Failures keep the
 * client library's error classes (TimeoutError, NoRespondersError, JetStreamApiError), so callers read
 * them as before.
 *
 * Publishes go out together once the event loop has run the I/O callbacks it woke up for (on a
 * `setImmediate`), in the order they were made: the client library writes to its socket once per
 * microtask checkpoint, and every socket read ends in one, so frames of many sessions that arrived
 * together would otherwise leave in one write each. So a message sent on the connection itself (or
 * through the client library) after a publish that is not awaited reaches the server first, and a
 * payload must not change until its publish is answered.
 */
export class JetStreamPublisher {
  private readonly inbox: string;
  private readonly pending = new Map<string, PendingAck>();
  private subscription?: Subscription;
  private sweeper?: NodeJS.Timeout;
  private nextToken = 0;
  /** Made and not sent yet; a send is scheduled whenever this is not empty. */
  private outgoing: OutgoingMessage[] = [];

  constructor(private readonly connection: NatsConnection) {
    this.inbox = createInbox();
  }

  publish(subject: string, payload: Uint8Array, options: JetStreamPublishOptions): Promise<PubAck> {
    this.listen();
    const reply = `${this.inbox}.${(this.nextToken++).toString(36)}`;
    return new Promise<PubAck>((resolve, reject) => {
      this.pending.set(reply, { resolve, reject, subject, deadline: Date.now() + options.timeoutMs });
      this.outgoing.push({ subject, payload, reply, headers: toHeaders(options) });
      if (this.outgoing.length === 1) setImmediate(this.sendOutgoing);
    });
  }

  private readonly sendOutgoing = (): void => {
    const messages = this.outgoing;
    this.outgoing = [];
    for (const { subject, payload, reply, headers } of messages) {
      // Already rejected meanwhile (closed, disconnected): not sent.
      if (!this.pending.has(reply)) continue;
      try {
        this.connection.publish(subject, payload, { reply, headers });
      } catch (error) {
        this.pending.get(reply)?.reject(error as Error);
        this.pending.delete(reply);
      }
    }
  };

  /** Rejects what is still waiting; the subscription ends with the connection. */
  close(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    this.rejectAll(new Error('the NATS connection closed before JetStream acknowledged the publish'));
  }

  private listen(): void {
    if (this.subscription) return;
    this.subscription = this.connection.subscribe(`${this.inbox}.*`, {
      callback: (error, message) => (error ? this.rejectAll(error) : this.settle(message)),
    });
    void this.subscription.closed.then(() => this.close());
    void this.rejectOnDisconnect();
    this.sweeper = setInterval(() => this.rejectOverdue(), SWEEP_EVERY_MS);
    this.sweeper.unref();
  }

  /**
   * An answer due while the connection was down never comes: fail those publishes at once (as
   * `js.publish` does), so callers retry on the new connection instead of waiting out their timeout.
   */
  private async rejectOnDisconnect(): Promise<void> {
    for await (const status of this.connection.status()) {
      if (!this.subscription) return;
      if (status.type === 'disconnect') this.rejectAll(new RequestError('connection disconnected'));
    }
  }

  private settle(message: Msg): void {
    const waiting = this.pending.get(message.subject);
    if (!waiting) return;
    this.pending.delete(message.subject);
    // An empty message with a 503 status: nothing listens on the subject (no stream, or JetStream away).
    if (message.data.length === 0 && message.headers?.code === 503) {
      return waiting.reject(new NoRespondersError(waiting.subject));
    }
    let answer: Partial<PubAck> & { error?: ApiError };
    try {
      answer = decodeJson(message.data);
    } catch {
      return waiting.reject(new Error(`JetStream answered a publish to ${waiting.subject} with no JSON`));
    }
    if (answer.error) return waiting.reject(new JetStreamApiError(answer.error));
    if (typeof answer.seq !== 'number' || typeof answer.stream !== 'string') {
      return waiting.reject(new Error(`JetStream answered a publish to ${waiting.subject} with no ack`));
    }
    waiting.resolve({ stream: answer.stream, seq: answer.seq, duplicate: answer.duplicate === true });
  }

  private rejectOverdue(): void {
    const now = Date.now();
    for (const [reply, waiting] of this.pending) {
      if (waiting.deadline > now) continue;
      this.pending.delete(reply);
      waiting.reject(new TimeoutError());
    }
  }

  private rejectAll(error: Error): void {
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}

function toHeaders({ msgId, expectLastSubjectSeq, headers }: JetStreamPublishOptions) {
  return toNatsHeaders(headers, {
    'Nats-Msg-Id': msgId,
    'Nats-Expected-Last-Subject-Sequence': expectLastSubjectSeq,
  });
}
