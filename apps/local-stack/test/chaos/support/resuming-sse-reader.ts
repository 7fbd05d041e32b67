import { sleep } from '@lap/messaging';

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
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let boundary: number;
        while ((boundary = buffer.indexOf('\n\n')) >= 0) {
          const frame = parseFrame(buffer.slice(0, boundary));
          buffer = buffer.slice(boundary + 2);
          if (!frame) continue;
          this.frames.push(frame);
          this.lastFrameAt = frame.receivedAt;
          if (this.complete) return;
        }
      }
    } finally {
      await reader.cancel().catch(() => undefined);
    }
  }
}

/** One SSE block; null for a comment (keepalive) or a block without an id. */
function parseFrame(block: string): SseEventFrame | null {
  const frame: Partial<SseEventFrame> = {};
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') frame.id = value;
    else if (field === 'event') frame.event = value;
    else if (field === 'data') data.push(value);
  }
  if (frame.id === undefined) return null;
  return { id: frame.id, event: frame.event ?? '', data: data.join('\n'), receivedAt: Date.now() };
}
