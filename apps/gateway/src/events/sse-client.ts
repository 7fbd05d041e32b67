import type { Socket } from 'net';
import type { LoggerService } from '@nestjs/common';
import type { Response } from 'express';
import { followsEventNumber } from '@lap/contracts';
import type { EventBatch } from './event-batch';
import type { EventFanout } from './event-fanout.service';
import type { EventLogReader } from './event-log.reader';
import { KEEPALIVE, sseErrorFrame, type LoggedEvent, type SseBytes } from './logged-event';

export interface SseClientSettings {
  /** Longest silence on a stream before a keepalive comment (SseStreams runs the one shared timer). */
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

/**
 * One client's event stream for one session (invariant 5: no gap, no repeat). Live events are
 * buffered from the moment the client arrives; history up to the newest event is replayed from
 * JetStream; then the buffer is released, skipping what the replay already sent. A live event whose
 * number (`Lap-Event-Number`) is more than one past the last sent has the hole refilled from JetStream
 * first.
 *
 * Once caught up (nothing queued, no replay running, the socket not behind), a live batch that follows
 * on from the last event sent is written straight from the fan-out's callback: one write of bytes
 * shared by every client. Anything else (a hole, a full socket) goes through the queue and `pump`.
 */
export class SseClient {
  private readonly queue: LoggedEvent[] = [];
  private queuedBytes = 0;
  private lastSentSeq = 0;
  /** `Lap-Event-Number` of the last event sent (or skipped by the client's resume point), if known. */
  private lastSentNumber: number | undefined;
  private closed = false;
  /** Caught up: the queue is empty and no pump runs, so a live batch may be written at once. */
  private live = false;
  /** Heartbeat ticks (half periods) since the last write. */
  private idleTicks = 0;
  /**
   * Set once the headers are out, when the response is chunked: frames go to this socket already
   * framed as chunks, skipping the per-write work of the HTTP layer. Otherwise through the response.
   */
  private socket?: Socket;
  private corked = false;
  private stopWaiting?: () => void;
  private unsubscribe?: () => void;
  private endedResolve!: () => void;
  private readonly ended = new Promise<void>((resolve) => (this.endedResolve = resolve));

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
      this.unsubscribe = this.deps.fanout.subscribe(this.sessionId, (batch) => this.onBatch(batch));
      this.response.on('close', () => this.close());
      this.response.writeHead(200, SSE_HEADERS);
      this.response.flushHeaders();
      this.socket = this.directSocket();

      this.lastSentSeq = afterSeq;
      const newest = await this.deps.reader.newest(this.sessionId);
      // Resuming at (or past) the newest event: the next live one is numbered right after it.
      if (newest.seq <= afterSeq) this.lastSentNumber = newest.number;
      await this.replayUpTo(newest.seq);
      await this.pump();
    } catch (error) {
      this.fail(error);
    }
    await this.ended;
  }

  /**
   * Ends the stream and frees its listener. `abort` drops the connection without flushing (a slow
   * client's backlog); the client resumes with Last-Event-ID.
   */
  close({ abort = false } = {}): void {
    if (this.closed) return;
    this.closed = true;
    this.live = false;
    this.unsubscribe?.();
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.stopWaiting?.();
    this.uncork();
    if (abort) this.response.destroy();
    else this.response.end();
    this.onClosed(this);
    this.endedResolve();
  }

  /** Called by the shared heartbeat every half period: a stream silent for a whole one gets a comment. */
  heartbeat(): void {
    if (this.closed) return;
    if (++this.idleTicks >= 2) this.write(KEEPALIVE);
  }

  /**
   * The response's socket, when frames may be written to it directly: the headers are out and the
   * body is chunked (HTTP/1.1), so a frame prepared as a chunk is exactly what `response.write` would
   * have sent. `socket` is only set on the response that owns the connection; `end()` still writes the
   * last chunk, in order behind ours.
   */
  private directSocket(): Socket | undefined {
    const socket = this.response.socket;
    if (!socket || !this.response.headersSent || !this.response.chunkedEncoding) return undefined;
    return socket.writable ? socket : undefined;
  }

  private onBatch(batch: EventBatch): void {
    if (this.closed) return;
    if (this.live) {
      const { first } = batch;
      if (
        batch.chained &&
        first.seq > this.lastSentSeq &&
        followsEventNumber(first.number, this.lastSentNumber)
      ) {
        this.lastSentSeq = batch.last.seq;
        this.lastSentNumber = batch.last.number;
        if (!this.write(batch.bytes)) this.startPump(true);
        return;
      }
    }
    for (const event of batch.events) if (!this.enqueue(event)) return;
    if (this.live) this.startPump(false);
  }

  /** Queues a live event; false when the queue outgrew the limit and the client was dropped. */
  private enqueue(event: LoggedEvent): boolean {
    this.queue.push(event);
    this.queuedBytes += event.frame.length;
    if (this.queuedBytes > this.deps.settings.maxBufferedBytes) {
      this.deps.logger.warn?.(`SSE client of ${this.sessionId} is too slow; disconnecting it`, 'SseClient');
      this.close({ abort: true });
      return false;
    }
    return true;
  }

  private startPump(waitForDrain: boolean): void {
    this.live = false;
    this.pump(waitForDrain).catch((error: unknown) => this.fail(error));
  }

  /** Sends queued live events in order, refilling any hole from the log; then the client is live. */
  private async pump(waitForDrain = false): Promise<void> {
    this.live = false;
    if (waitForDrain) await this.drained();
    for (;;) {
      if (this.closed) return;
      const event = this.queue.shift();
      if (!event) break;
      this.queuedBytes -= event.frame.length;
      if (event.seq <= this.lastSentSeq) continue;
      if (!followsEventNumber(event.number, this.lastSentNumber)) await this.replayUpTo(event.seq - 1);
      if (!this.closed && event.seq > this.lastSentSeq && !this.send(event)) await this.drained();
    }
    // Nothing queued, and no await since the queue was seen empty: from here the fan-out writes.
    this.live = true;
  }

  private async replayUpTo(untilSeq: number): Promise<void> {
    if (untilSeq <= this.lastSentSeq) return;
    for await (const event of this.deps.reader.read(this.sessionId, this.lastSentSeq, untilSeq)) {
      if (this.closed) return;
      if (event.seq > this.lastSentSeq && !this.send(event)) await this.drained();
    }
  }

  /**
   * Sends one event off the fast path (replay, queue). Consecutive ones are corked together until the
   * next tick: one write for a run of frames. False when the caller must wait for `drained()`.
   */
  private send(event: LoggedEvent): boolean {
    this.lastSentSeq = event.seq;
    this.lastSentNumber = event.number;
    if (this.socket && !this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    return this.write(event);
  }

  private readonly uncork = (): void => {
    if (!this.corked) return;
    this.corked = false;
    this.socket?.uncork();
  };

  /** Resolves once the socket has taken what was written (or the stream ended). */
  private drained(): Promise<void> {
    if (this.closed) return Promise.resolve();
    const emitter = this.socket ?? this.response;
    const drained = new Promise<void>((resolve) => {
      const done = () => {
        emitter.off('drain', done);
        emitter.off('close', done);
        this.stopWaiting = undefined;
        resolve();
      };
      emitter.on('drain', done);
      emitter.on('close', done);
      this.stopWaiting = done;
    });
    // Corked output only moves once uncorked (listening first: nothing to miss).
    this.uncork();
    return drained;
  }

  /** Fails the stream on our side: says so in an `event: error` frame, then ends it; the client resumes. */
  private fail(error: unknown): void {
    if (this.closed) return;
    this.deps.logger.warn?.(
      `SSE stream of ${this.sessionId} failed: ${(error as Error).message}`,
      'SseClient',
    );
    this.write(sseErrorFrame(this.lastSentSeq, 'the event stream failed; reconnect with Last-Event-ID'));
    this.close();
  }

  /** Writes if still open; false when the socket's buffer is full. Past the limit, drops the client. */
  private write(bytes: SseBytes): boolean {
    if (this.closed) return true;
    this.idleTicks = 0;
    if (this.socket ? this.socket.write(bytes.chunk) : this.response.write(bytes.frame)) return true;
    if ((this.socket ?? this.response).writableLength > this.deps.settings.maxBufferedBytes) {
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
