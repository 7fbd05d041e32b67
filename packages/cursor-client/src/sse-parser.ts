/**
 * An incremental parser for `text/event-stream` (the WHATWG "event stream interpretation"), kept small
 * and dependency-free. Feed it decoded text in chunks of any size; it returns the messages each chunk
 * completes. Line ends may be LF, CR or CRLF, also when a CRLF is split across two chunks.
 */
export interface SseMessage {
  /** The `id:` field of this message itself, or null when it had none. */
  id: string | null;
  /** The `event:` field, `message` when absent (as the spec says). */
  event: string;
  /** Every `data:` line of the message joined with `\n`. */
  data: string;
}

const LF = 0x0a;

export class SseParser {
  private buffer = '';
  /** A chunk ended with CR: if the next one starts with LF, that LF belongs to the same line end. */
  private pendingCarriageReturn = false;
  private atStreamStart = true;
  private id: string | null = null;
  private event = '';
  private dataLines: string[] = [];

  /** Parses one more piece of the stream and returns the messages it completed, in order. */
  feed(chunk: string): SseMessage[] {
    if (this.atStreamStart && chunk.length > 0) {
      this.atStreamStart = false;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    if (this.pendingCarriageReturn && chunk.startsWith('\n')) chunk = chunk.slice(1);
    this.pendingCarriageReturn = false;

    const messages: SseMessage[] = [];
    const text = this.buffer + chunk;
    // Line ends found with indexOf, not character by character: most streams have no CR at all.
    let lf = text.indexOf('\n');
    let cr = text.indexOf('\r');
    let lineStart = 0;
    while (lf !== -1 || cr !== -1) {
      const end = cr === -1 || (lf !== -1 && lf < cr) ? lf : cr;
      this.processLine(text.slice(lineStart, end), messages);
      lineStart = end + 1;
      if (end === cr) {
        if (lineStart === text.length) this.pendingCarriageReturn = true;
        else if (text.charCodeAt(lineStart) === LF) lineStart++;
      }
      if (lf !== -1 && lf < lineStart) lf = text.indexOf('\n', lineStart);
      if (cr !== -1 && cr < lineStart) cr = text.indexOf('\r', lineStart);
    }
    this.buffer = text.slice(lineStart);
    return messages;
  }

  private processLine(line: string, messages: SseMessage[]): void {
    if (line === '') {
      this.dispatch(messages);
      return;
    }
    if (line.startsWith(':')) return; // a comment, often used as a keep-alive
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.event = value;
        break;
      case 'data':
        this.dataLines.push(value);
        break;
      case 'id':
        if (!value.includes('\u0000')) this.id = value;
        break;
      default:
        // `retry` and unknown fields do not matter to a caller that reconnects on its own terms.
        break;
    }
  }

  private dispatch(messages: SseMessage[]): void {
    // A block with no data line is not an event (per the spec), but its id would still move the
    // stream's last-event-id; Cursor never sends such blocks, so they are simply dropped.
    if (this.dataLines.length > 0) {
      messages.push({ id: this.id, event: this.event || 'message', data: this.dataLines.join('\n') });
    }
    this.id = null;
    this.event = '';
    this.dataLines = [];
  }
}
