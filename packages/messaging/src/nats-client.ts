import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { JetStreamPublisher } from './jetstream-publisher';
import { usePooledTextEncoding } from './pooled-text-encoding';

export interface NatsClientOptions {
  url: string;
  /** Shown in the server's connection list: which service this is. */
  name: string;
  /** How long the first connection may take (the client library's default is 20 s). */
  connectTimeoutMs?: number;
}

/**
 * One connection per process, with its JetStream handles. Reconnects forever: a NATS restart must
 * never take a service down, only pause it.
 */
export class NatsClient {
  /** Publishes to JetStream and waits for the ack (see SubjectLog for fenced, deduplicated appends). */
  readonly publisher: JetStreamPublisher;

  private constructor(
    readonly connection: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
  ) {
    this.publisher = new JetStreamPublisher(connection);
  }

  static async connect(options: NatsClientOptions): Promise<NatsClient> {
    usePooledTextEncoding();
    const connection = await connect({
      servers: options.url,
      name: options.name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      waitOnFirstConnect: false,
      ...(options.connectTimeoutMs === undefined ? {} : { timeout: options.connectTimeoutMs }),
      // Otherwise every request captures an async stack for an error it almost never throws: about a fifth
      // of the normalizer's and runner's CPU in profiles.
      noAsyncTraces: true,
    });
    const jsm = await jetstreamManager(connection);
    return new NatsClient(connection, jetstream(connection), jsm);
  }

  /** Resolves when the server answers a round trip within the time limit; rejects otherwise. */
  async ping(timeoutMs = 2_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`NATS did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.connection.rtt(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Flushes what was published, lets subscriptions finish, then closes. */
  async close(): Promise<void> {
    if (this.connection.isClosed()) return;
    await this.connection.drain().catch(() => this.connection.close());
    this.publisher.close();
  }
}
