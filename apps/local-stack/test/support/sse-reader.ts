export interface SseFrame {
  id?: string;
  event?: string;
  data: string;
}

/**
 * The blocks of an SSE body as they arrive: a frame, or null for a comment (a heartbeat). Stopping
 * early (a `break` or `return` in the loop) cancels the body.
 */
export async function* sseBlocks(body: ReadableStream<Uint8Array>): AsyncGenerator<SseFrame | null> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let boundary: number;
      while ((boundary = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        yield parseBlock(block);
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

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
  for await (const frame of sseBlocks(response.body!)) {
    if (!frame) {
      comments++;
      continue;
    }
    frames.push(frame);
    if (until(frame, frames)) break;
  }
  return { frames, comments };
}

function parseBlock(block: string): SseFrame | null {
  const frame: SseFrame = { data: '' };
  const data: string[] = [];
  let isComment = true;
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    isComment = false;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') frame.id = value;
    else if (field === 'event') frame.event = value;
    else if (field === 'data') data.push(value);
  }
  if (isComment) return null;
  frame.data = data.join('\n');
  return frame;
}
