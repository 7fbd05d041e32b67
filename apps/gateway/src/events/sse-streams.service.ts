import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Response } from 'express';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { EventFanout } from './event-fanout.service';
import { EventLogReader } from './event-log.reader';
import { SseClient, type SseClientDependencies } from './sse-client';

/**
 * Opens SSE streams and keeps track of them, so shutdown can end every one. One heartbeat timer
 * serves every stream (running only while there is one): every half period, a stream that wrote
 * nothing for a whole period gets a keepalive comment, so no stream stays silent longer than
 * SSE_HEARTBEAT_MS and busy streams get none.
 */
@Injectable()
export class SseStreams implements OnModuleDestroy {
  private readonly clients = new Set<SseClient>();
  private readonly dependencies: SseClientDependencies;
  private heartbeat?: NodeJS.Timeout;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig, fanout: EventFanout, reader: EventLogReader) {
    this.dependencies = {
      fanout,
      reader,
      logger: new Logger('SseStreams'),
      settings: { heartbeatMs: config.SSE_HEARTBEAT_MS, maxBufferedBytes: config.SSE_MAX_BUFFERED_BYTES },
    };
  }

  /** Streams the session's events after `afterSeq` to the response; resolves when the stream ends. */
  open(response: Response, sessionId: string, afterSeq: number): Promise<void> {
    const client = new SseClient(response, sessionId, this.dependencies, (closed) => this.forget(closed));
    this.clients.add(client);
    this.heartbeat ??= setInterval(
      () => {
        for (const open of this.clients) open.heartbeat();
      },
      Math.max(1, Math.floor(this.dependencies.settings.heartbeatMs / 2)),
    );
    return client.run(afterSeq);
  }

  /** Streams open right now (each holds one listener; they share one heartbeat timer). */
  get openCount(): number {
    return this.clients.size;
  }

  /** Whether the shared heartbeat timer runs (only while a stream is open). */
  get heartbeatRunning(): boolean {
    return this.heartbeat !== undefined;
  }

  onModuleDestroy(): void {
    for (const client of [...this.clients]) client.close();
    this.stopHeartbeat();
  }

  private forget(client: SseClient): void {
    this.clients.delete(client);
    if (this.clients.size === 0) this.stopHeartbeat();
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}
