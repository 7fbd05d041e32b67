import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Response } from 'express';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { EventFanout } from './event-fanout.service';
import { EventLogReader } from './event-log.reader';
import { SseClient, type SseClientDependencies } from './sse-client';

/** Opens SSE streams and keeps track of them, so shutdown can end every one. */
@Injectable()
export class SseStreams implements OnModuleDestroy {
  private readonly clients = new Set<SseClient>();
  private readonly dependencies: SseClientDependencies;

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
    const client = new SseClient(response, sessionId, this.dependencies, (closed) =>
      this.clients.delete(closed),
    );
    this.clients.add(client);
    return client.run(afterSeq);
  }

  /** Streams open right now (each holds one listener and one heartbeat timer). */
  get openCount(): number {
    return this.clients.size;
  }

  onModuleDestroy(): void {
    for (const client of [...this.clients]) client.close();
  }
}
