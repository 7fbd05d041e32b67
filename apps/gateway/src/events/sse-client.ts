import type { LoggerService } from '@nestjs/common';
import type { Response } from 'express';
import type { EventFanout } from './event-fanout.service';
import type { EventLogReader } from './event-log.reader';
import { sseErrorFrame, sseFrame, type LoggedEvent } from './logged-event';

export interface SseClientSettings {
  heartbeatMs: number;
  /** Unsent output (socket buffer or queued events) past this ends the connection. */
  maxBufferedBytes: number;
}

export interface SseClientDependencies {
  fanout: EventFanout;
  reader: EventLogReader;
  logger: LoggerService;
  settings: SseClientSettings;
}

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  // nginx and friends would otherwise buffer the stream.
  'x-accel-buffering': 'no',
} as const;

const KEEPALIVE = ': keepalive\n\n';

/**
 * One client's event stream for one session (invariant 5: no gap, no repeat). Live events are
 * buffered from the moment the client arrives; history up to the newest event is replayed from
 * JetStream; then the buffer is released, skipping what the replay already sent. A live event whose
 * predecessor (`Lap-Prev-Seq`) was not sent has the hole refilled from JetStream first.
 */
export class SseClient {
  private readonly queue: LoggedEvent[] = [];
  private queuedBytes = 0;
  private lastSentSeq = 0;
  private closed = false;
  private wake?: () => void;
  private heartbeat?: NodeJS.Timeout;
  private unsubscribe?: () => void;

  constructor(
    private readonly response: Response,
    readonly sessionId: string,
    private readonly deps: SseClientDependencies,
    private readonly onClosed: (client: SseClient) => void,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** Streams the events after `afterSeq` until the client goes away or `close()` is called. Never rejects. */
  async run(afterSeq: number): Promise<void> {
    // The client may have gone while the request was being checked: its 'close' has already fired.
    if (this.response.destroyed) {
      this.close();
      return;
    }
    try {
      // Listen before looking at the log, so nothing published from now on can slip between the two.
      this.unsubscribe = this.deps.fanout.subscribe(this.sessionId, (event) => this.enqueue(event));
      this.response.on('close', () => this.close());
      this.response.writeHead(200, SSE_HEADERS);
      this.response.flushHeaders();
      this.heartbeat = setInterval(() => this.write(KEEPALIVE), this.deps.settings.heartbeatMs);

      this.lastSentSeq = afterSeq;
      await this.replayUpTo(await this.deps.reader.newestSeq(this.sessionId));
      await this.pump();
    } catch (error) {
      if (this.closed) return;
      this.deps.logger.warn?.(
        `SSE stream of ${this.sessionId} failed: ${(error as Error).message}`,
        'SseClient',
      );
      // A real failure on our side (the log could not be read): say so, then end; the client resumes.
      this.write(sseErrorFrame(this.lastSentSeq, 'the event stream failed; reconnect with Last-Event-ID'));
      this.close();
    }
  }

  /**
   * Ends the stream and frees its listener and timer. `abort` drops the connection without flushing
   * (a slow client's backlog); the client resumes with Last-Event-ID.
   */
  close({ abort = false } = {}): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.unsubscribe?.();
    this.queue.length = 0;
    this.wake?.();
    if (abort) this.response.destroy();
    else this.response.end();
    this.onClosed(this);
  }

  private enqueue(event: LoggedEvent): void {
    if (this.closed) return;
    this.queue.push(event);
    this.queuedBytes += event.json.length;
    if (this.queuedBytes > this.deps.settings.maxBufferedBytes) {
      this.deps.logger.warn?.(`SSE client of ${this.sessionId} is too slow; disconnecting it`, 'SseClient');
      this.close({ abort: true });
      return;
    }
    this.wake?.();
  }

  /** Sends live events in order, refilling any hole from the log, until closed. */
  private async pump(): Promise<void> {
    while (!this.closed) {
      const event = this.queue.shift();
      if (!event) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      this.queuedBytes -= event.json.length;
      if (event.seq <= this.lastSentSeq) continue;
      if (event.prevSeq !== undefined && event.prevSeq > this.lastSentSeq)
        await this.replayUpTo(event.prevSeq);
      if (event.seq > this.lastSentSeq) await this.send(event);
    }
  }

  private async replayUpTo(untilSeq: number): Promise<void> {
    if (untilSeq <= this.lastSentSeq) return;
    for await (const event of this.deps.reader.read(this.sessionId, this.lastSentSeq, untilSeq)) {
      if (this.closed) return;
      if (event.seq > this.lastSentSeq) await this.send(event);
    }
  }

  private async send(event: LoggedEvent): Promise<void> {
    this.lastSentSeq = event.seq;
    if (this.write(sseFrame(event))) return;
    // The socket is behind. Wait for it (only this client's pump waits); the fan-out keeps queueing,
    // and `enqueue` drops the client if that queue outgrows the limit.
    await new Promise<void>((resolve) => {
      const done = () => {
        this.response.off('drain', done);
        this.response.off('close', done);
        resolve();
      };
      this.response.on('drain', done);
      this.response.on('close', done);
    });
  }

  /** Writes if still open; false when the socket's buffer is full. Past the limit, drops the client. */
  private write(chunk: string): boolean {
    if (this.closed) return true;
    if (this.response.write(chunk)) return true;
    if (this.response.writableLength > this.deps.settings.maxBufferedBytes) {
      this.deps.logger.warn?.(
        `SSE client of ${this.sessionId} stopped reading; disconnecting it`,
        'SseClient',
      );
      this.close({ abort: true });
      return true;
    }
    return false;
  }
}
