import { sseBlocks, type SseFrame } from '@lap/testing';

export type { SseFrame };

/**
 * Reads an SSE response frame by frame until `until` says stop (or the stream ends). Comments
 * (heartbeats) are counted but not returned.
 */
export async function readSse(
  response: Response,
  until: (frame: SseFrame, all: SseFrame[]) => boolean,
): Promise<{ frames: SseFrame[]; comments: number }> {
  const frames: SseFrame[] = [];
  let comments = 0;
  for await (const { frame } of sseBlocks(response.body!)) {
    if (!frame) {
      comments++;
      continue;
    }
    frames.push(frame);
    if (until(frame, frames)) break;
  }
  return { frames, comments };
}
