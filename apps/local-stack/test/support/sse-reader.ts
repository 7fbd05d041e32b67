export interface SseFrame {
  id?: string;
  event?: string;
  data: string;
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
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return { frames, comments };
      buffer += decoder.decode(value, { stream: true });
      let boundary: number;
      while ((boundary = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
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
        if (isComment) {
          comments++;
          continue;
        }
        frame.data = data.join('\n');
        frames.push(frame);
        if (until(frame, frames)) return { frames, comments };
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
