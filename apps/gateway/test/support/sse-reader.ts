/** One parsed SSE frame. */
export interface SseFrame {
  id?: string;
  event?: string;
  data: string;
}

/**
 * A minimal SSE client for tests: fetch + a frame parser that keeps every frame and comment, so tests
 * can wait for a count and then compare exactly.
 */
export class SseReader {
  readonly frames: SseFrame[] = [];
  readonly comments: string[] = [];
  status = 0;
  headers = new Headers();
  /** Resolves when the server ends the stream (or the reader is closed). */
  ended: Promise<void>;
  private buffer = '';

  private constructor(
    private readonly response: Response,
    private readonly abort: AbortController,
  ) {
    this.status = response.status;
    this.headers = response.headers;
    this.ended = this.read();
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
    const abort = new AbortController();
    const response = await fetch(url, {
      headers: { accept: 'text/event-stream', ...headers },
      signal: abort.signal,
    });
    return new SseReader(response, abort);
  }

  /** Frames that carry an event (have an `event:` line). */
  get events(): Array<{
    id: number;
    type: string;
    body: { id: string; type: string; [key: string]: unknown };
  }> {
    return this.frames
      .filter((frame) => frame.event !== undefined)
      .map((frame) => ({ id: Number(frame.id), type: frame.event!, body: JSON.parse(frame.data) }));
  }

  close(): void {
    this.abort.abort();
  }

  private async read(): Promise<void> {
    if (!this.response.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of this.response.body as unknown as AsyncIterable<Uint8Array>) {
        this.buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = this.buffer.indexOf('\n\n')) >= 0) {
          this.parse(this.buffer.slice(0, end));
          this.buffer = this.buffer.slice(end + 2);
        }
      }
    } catch {
      // Aborted by close(), or the server dropped the connection: either way the stream ended.
    }
  }

  private parse(block: string): void {
    const frame: SseFrame = { data: '' };
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments.push(line.slice(1).trim());
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') frame.id = value;
      else if (field === 'event') frame.event = value;
      else if (field === 'data') data.push(value);
    }
    if (frame.id === undefined && frame.event === undefined && data.length === 0) return;
    frame.data = data.join('\n');
    this.frames.push(frame);
  }
}
