import { sleep } from '@lap/messaging';
import { sseBlocks } from '@lap/testing';

export interface SseEventFrame {
  id: string;
  event: string;
  data: string;
  /** When this client got it (ms since the epoch). */
  receivedAt: number;
}

export interface ResumingSseReaderOptions {
  /** Gateways to use, tried in turn: each reconnection goes to the next one. */
  gatewayUrls: readonly string[];
  masterKey: string;
  sessionId: string;
  /** Done once this says so about the frames received so far. */
  isComplete(frames: readonly SseEventFrame[]): boolean;
}

/**
 * A client of one session's SSE stream that survives whatever happens to the gateways: whenever its
 * connection ends or fails it reconnects, to the next gateway, with `Last-Event-ID` set to the last
 * frame it got. What it collects must be the session's events exactly once, in order.
 */
export class ResumingSseReader {
  readonly frames: SseEventFrame[] = [];
  /** Connections opened after the first one. */
  reconnects = 0;
  /** Attempts answered with something other than 200 (503 while PostgreSQL is away, say). */
  refused = 0;
  /** Streams the gateway ended with an `event: error` frame. */
  streamErrors = 0;
  private readonly stopping = new AbortController();
  private lastFrameAt = 0;

  constructor(private readonly options: ResumingSseReaderOptions) {}

  /** Time the newest frame arrived (0: none yet). */
  get lastFrameTime(): number {
    return this.lastFrameAt;
  }

  get complete(): boolean {
    return this.options.isComplete(this.frames);
  }

  /** Reads until complete or stopped. */
  async run(): Promise<void> {
    for (let attempt = 0; !this.complete && !this.stopping.signal.aborted; attempt++) {
      if (attempt > 0) this.reconnects++;
      const url = this.options.gatewayUrls[attempt % this.options.gatewayUrls.length];
      try {
        await this.readOnce(url);
      } catch {
        // A gateway went away mid-stream, or refused: try the next one.
      }
      if (this.complete) return;
      await sleep(Math.min(2_000, 100 * 2 ** Math.min(this.refused, 4)), this.stopping.signal);
    }
  }

  stop(): void {
    this.stopping.abort();
  }

  private async readOnce(gatewayUrl: string): Promise<void> {
    const last = this.frames[this.frames.length - 1];
    const response = await fetch(`${gatewayUrl}/v1/sessions/${this.options.sessionId}/events/stream`, {
      headers: {
        authorization: `Bearer ${this.options.masterKey}`,
        accept: 'text/event-stream',
        ...(last ? { 'last-event-id': last.id } : {}),
      },
      signal: this.stopping.signal,
    });
    if (response.status !== 200) {
      this.refused++;
      await response.body?.cancel();
      return;
    }
    this.refused = 0;
    for await (const { frame: block } of sseBlocks(response.body!)) {
      // Comments (heartbeats) and blocks without an id are not events. Neither is `event: error`: the
      // gateway failing the stream on its side (a replay read timed out while NATS restarted, say); it
      // carries the last event's id so that the client resumes from there.
      if (block?.id === undefined) continue;
      if (block.event === 'error') {
        this.streamErrors++;
        continue;
      }
      const frame = { id: block.id, event: block.event ?? '', data: block.data, receivedAt: Date.now() };
      this.frames.push(frame);
      this.lastFrameAt = frame.receivedAt;
      if (this.complete) return;
    }
  }
}
