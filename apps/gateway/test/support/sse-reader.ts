import { sseBlocks, type SseFrame } from '@lap/testing';

export type { SseFrame };

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
    try {
      for await (const { frame, comments } of sseBlocks(this.response.body)) {
        this.comments.push(...comments);
        if (frame) this.frames.push(frame);
      }
    } catch {
      // Aborted by close(), or the server dropped the connection: either way the stream ended.
    }
  }
}
