import { sseBlocks, type SseFrame } from '@lap/testing';

export interface SseConnectionResult {
  status: number;
  /** Every complete frame received before the connection ended (comments left out). */
  frames: SseFrame[];
  /** True when we cut the connection; false when the server ended it or `until` was met. */
  killed: boolean;
}

export interface SseConnectionOptions {
  headers?: Record<string, string>;
  /** Cut the connection once this many frames arrived. */
  killAfterFrames?: number;
  /** Cut the connection this long after connecting, whatever arrived. */
  killAfterMs?: number;
  /** Stop reading (not a kill) once this says so. */
  until?: (frame: SseFrame) => boolean;
}

/** One SSE connection that can be cut at a chosen point, like a client whose network drops. */
export async function connectSse(
  url: string,
  options: SseConnectionOptions = {},
): Promise<SseConnectionResult> {
  const abort = new AbortController();
  const frames: SseFrame[] = [];
  let killed = false;
  const kill = () => {
    killed = true;
    abort.abort();
  };
  const timer = options.killAfterMs === undefined ? undefined : setTimeout(kill, options.killAfterMs);
  let status = 0;
  try {
    const response = await fetch(url, {
      headers: { accept: 'text/event-stream', ...options.headers },
      signal: abort.signal,
    });
    status = response.status;
    for await (const { frame } of sseBlocks(response.body!)) {
      if (!frame) continue;
      frames.push(frame);
      if (options.until?.(frame)) return { status, frames, killed };
      if (options.killAfterFrames !== undefined && frames.length >= options.killAfterFrames) {
        kill();
        return { status, frames, killed };
      }
    }
  } catch (error) {
    if (!killed) throw error;
  } finally {
    clearTimeout(timer);
  }
  return { status, frames, killed };
}
