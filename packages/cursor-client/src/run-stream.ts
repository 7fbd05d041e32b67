import http, { type IncomingMessage } from 'http';
import https from 'https';
import { finished, type Readable } from 'stream';
import type { CursorFrame } from '@lap/contracts';
import { CursorUnreachableError, StreamStalledError } from './errors';
import { SseParser, type SseMessage } from './sse-parser';

/**
 * Watches for silence on a connection: armed while waiting for bytes, disarmed while reading is paused
 * for a busy caller, so a slow consumer is never mistaken for a stalled server.
 */
export class IdleWatch {
  private timer: NodeJS.Timeout | undefined;
  stalled = false;

  constructor(
    private readonly connection: AbortController,
    readonly idleTimeoutMs: number | undefined,
  ) {}

  /** Starts the wait for bytes again (a chunk came, or reading resumed). */
  arm(): void {
    if (!this.idleTimeoutMs || this.stalled) return;
    // Restarted in place rather than made anew for every chunk.
    if (this.timer) {
      this.timer.refresh();
      return;
    }
    const idleTimeoutMs = this.idleTimeoutMs;
    this.timer = setTimeout(() => {
      this.stalled = true;
      this.connection.abort(new StreamStalledError(idleTimeoutMs));
    }, idleTimeoutMs);
  }

  disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * Opens a run's SSE stream with Node's own HTTP client rather than fetch, whose web stream settles
 * several promises per chunk: read alone, 10 streams of 100 frames/s cost about 110 µs per frame this
 * way against 200–250 µs with fetch; in the platform at 1,000 frames/s the runner's CPU per frame fell
 * by about a twentieth (frames arriving in bursts cost the same either way). Resolves once the response
 * headers are in, whatever the status.
 */
export async function openEventStream(
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  let target = new URL(url);
  let sent = headers;
  // Redirects are followed as fetch follows them, the key going only to the origin it was given for.
  for (let redirects = 0; ; redirects++) {
    const response = await requestOnce(target, sent, signal);
    const location = response.headers.location;
    if (!REDIRECTS.has(response.statusCode ?? 0) || !location || redirects === MAX_REDIRECTS) {
      return response;
    }
    response.resume();
    const next = new URL(location, target);
    if (next.origin !== target.origin) sent = withoutAuthorization(sent);
    target = next;
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

function requestOnce(
  url: URL,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  const { request } = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { headers, signal }, resolve);
    // Kept for the request's life: an error after the response came must not go unhandled.
    outgoing.on('error', reject);
    outgoing.end();
  });
}

function withoutAuthorization(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'),
  );
}

/** The whole body of a response, as text (an error answer). */
export async function readBodyText(response: IncomingMessage): Promise<string> {
  response.setEncoding('utf8');
  let text = '';
  for await (const chunk of response) text += chunk as string;
  return text;
}

/** Turns a failure of the request or of a body read into the error the caller should see. */
export function translateStreamFailure(
  error: unknown,
  watch: IdleWatch,
  callerSignal: AbortSignal | undefined,
  context: string,
): unknown {
  if (watch.stalled) return new StreamStalledError(watch.idleTimeoutMs ?? 0);
  if (callerSignal?.aborted) return callerSignal.reason;
  return new CursorUnreachableError(`${context}: ${describeNetworkError(error)}`, { cause: error });
}

/**
 * Node's HTTP client names the failure in its message (`connect ECONNREFUSED …`); undici reports "fetch
 * failed" with the useful part (ECONNREFUSED, ECONNRESET …) in `cause`.
 */
export function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const detail = typeof cause?.code === 'string' ? cause.code : (cause?.message as string | undefined);
  return detail ? `${error.message} (${detail})` : error.message;
}

export interface RunFrameStreamOptions {
  /** The caller's cancellation: once it fires, `take` throws its reason (frames read ahead included). */
  callerSignal?: AbortSignal;
  watch: IdleWatch;
  /**
   * Reading pauses until the next `take` once at least this many frames wait (a soft bound: the socket
   * chunk that crosses it is parsed whole).
   */
  readAhead: number;
  /** Turns a failure of the body read into the error the caller should see. */
  describeFailure(error: unknown): unknown;
  /** Ends the connection; called once, when the stream ends or is closed. */
  hangUp(): void;
}

/**
 * The frames of an open SSE response body, taken in batches: each `take` returns every frame that
 * arrived since the last one, waiting for at least one. So a quiet stream is taken frame by frame, at
 * once, and a busy one in batches, without waiting for a batch to fill.
 *
 * Frames are parsed as the socket hands its chunks over, not pulled through the body's async iterator
 * and a generator per frame: one promise per batch instead of several per frame (what that saved is in
 * docs/benchmarks.md, eighteenth round).
 *
 * A message cut off by the close (no blank line after it) is dropped, as the SSE spec says.
 */
export class RunFrameStream implements AsyncIterable<CursorFrame[]> {
  private readonly parser = new SseParser();
  private buffered: CursorFrame[] = [];
  private ended = false;
  private failure: { error: unknown } | undefined;
  private wakeTaker: (() => void) | undefined;

  constructor(
    private readonly body: Readable,
    private readonly options: RunFrameStreamOptions,
  ) {
    // Decoded as it streams: a character split between two chunks is kept for the next one.
    body.setEncoding('utf8');
    body.on('data', (chunk: string) => this.read(chunk));
    finished(body, (error) => this.end(error));
    options.watch.arm();
  }

  /**
   * Everything read since the last take, waiting for at least one frame; empty once the stream ended
   * or was closed. A stream that failed throws its error once the frames read before it are taken.
   */
  async take(): Promise<CursorFrame[]> {
    for (;;) {
      // Frames read ahead of a caller who has since given up are not handed out.
      this.options.callerSignal?.throwIfAborted();
      if (this.buffered.length > 0) {
        const frames = this.buffered;
        this.buffered = [];
        if (!this.ended && this.body.isPaused()) {
          this.body.resume();
          this.options.watch.arm();
        }
        return frames;
      }
      if (this.ended) {
        if (this.failure) throw this.failure.error;
        return [];
      }
      await new Promise<void>((resolve) => (this.wakeTaker = resolve));
    }
  }

  /** Ends the connection; a waiting `take` returns nothing. */
  close(): void {
    this.end(undefined);
    this.body.destroy();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<CursorFrame[]> {
    try {
      for (let frames = await this.take(); frames.length > 0; frames = await this.take()) yield frames;
    } finally {
      this.close();
    }
  }

  private read(chunk: string): void {
    this.options.watch.arm();
    for (const message of this.parser.feed(chunk)) this.buffered.push(toFrame(message));
    if (this.buffered.length > 0 && this.buffered.length >= this.options.readAhead) {
      // The caller is busy: a slow consumer must not be mistaken for a stalled server.
      this.body.pause();
      this.options.watch.disarm();
    }
    this.wake();
  }

  private end(error: Error | null | undefined): void {
    if (this.ended) return;
    this.ended = true;
    if (error) this.failure = { error: this.options.describeFailure(error) };
    this.options.watch.disarm();
    this.options.hangUp();
    this.wake();
  }

  private wake(): void {
    const wake = this.wakeTaker;
    this.wakeTaker = undefined;
    wake?.();
  }
}

export function toFrame(message: SseMessage): CursorFrame {
  let data: unknown = message.data;
  try {
    data = JSON.parse(message.data);
  } catch {
    // Cursor sends JSON; anything else is passed through as the raw text rather than lost.
  }
  return { id: message.id, event: message.event, data };
}
