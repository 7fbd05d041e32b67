/** One parsed SSE frame. */
export interface SseFrame {
  id?: string;
  event?: string;
  data: string;
}

/** One block of an SSE body: its frame (null when it holds only comments) and its comment lines. */
export interface SseBlock {
  frame: SseFrame | null;
  comments: string[];
}

/**
 * The blocks of an SSE body as they arrive. Stopping early (a `break` or `return` in the loop)
 * cancels the body.
 */
export async function* sseBlocks(body: ReadableStream<Uint8Array>): AsyncGenerator<SseBlock> {
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

function parseBlock(block: string): SseBlock {
  const frame: SseFrame = { data: '' };
  const data: string[] = [];
  const comments: string[] = [];
  let fields = 0;
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) {
      comments.push(line.slice(1).trim());
      continue;
    }
    fields++;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') frame.id = value;
    else if (field === 'event') frame.event = value;
    else if (field === 'data') data.push(value);
  }
  if (fields === 0) return { frame: null, comments };
  frame.data = data.join('\n');
  return { frame, comments };
}
