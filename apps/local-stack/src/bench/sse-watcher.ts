import net from 'net';

/** One SSE event as the bench saw it arrive. */
export interface ReceivedEvent {
  /** The SSE `id:`: the event's sequence in `<P>_EVENTS`. */
  seq: number;
  type: string;
  /** The `data:` line (the event JSON), unparsed. */
  data: string;
  /** Wall clock at arrival (ms, Date.now()): compared with the emulator's frame times. */
  receivedAtMs: number;
  /** Monotonic clock at arrival (ms, performance.now()): compared with other arrivals in this process. */
  receivedAtMono: number;
}

export interface SseWatcherOptions {
  gatewayUrl: string;
  masterKey: string;
  sessionId: string;
  /** Called for every event, in order; return true to stop watching. */
  onEvent?: (event: ReceivedEvent) => boolean | void;
  /** Keep every event in `events` (the latency figures need them; the memory figures do not). */
  keepEvents?: boolean;
  query?: string;
}

/**
 * A minimal SSE client on a raw socket: HTTP/1.1 GET, chunked transfer decoding, `id:`/`event:`/`data:`
 * parsing. Tens of thousands of them fit in the bench process, where fetch() would cost far more per
 * stream and blur what the gateway costs per client.
 */
export class SseWatcher {
  readonly events: ReceivedEvent[] = [];
  eventCount = 0;
  lastType?: string;
  private socket?: net.Socket;
  private headerText = '';
  private headersDone = false;
  private chunked = false;
  /** Chunked decoding state: bytes still due in the current chunk, or -1 while reading a size line. */
  private chunkRemaining = -1;
  private raw: Buffer = Buffer.alloc(0);
  private text = '';
  private closedResolve?: () => void;
  readonly closed = new Promise<void>((resolve) => (this.closedResolve = resolve));

  constructor(private readonly options: SseWatcherOptions) {}

  /** Resolves once the gateway answered 200 (it listens for live events from then on). */
  open(timeoutMs = 30_000): Promise<void> {
    const url = new URL(this.options.gatewayUrl);
    const path = `/v1/sessions/${this.options.sessionId}/events/stream${this.options.query ?? ''}`;
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: url.hostname, port: Number(url.port) });
      this.socket = socket;
      socket.setNoDelay(true);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`SSE stream of ${this.options.sessionId} did not open within ${timeoutMs} ms`));
      }, timeoutMs);
      let opened = false;
      socket.once('connect', () =>
        socket.write(
          `GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${this.options.masterKey}\r\n` +
            'Accept: text/event-stream\r\n\r\n',
        ),
      );
      socket.on('data', (chunk: Buffer) => {
        if (!this.headersDone) {
          const status = this.readHeaders(chunk);
          if (status === undefined) return;
          clearTimeout(timer);
          if (status !== 200) {
            socket.destroy();
            return reject(new Error(`SSE stream of ${this.options.sessionId} answered ${status}`));
          }
          opened = true;
          resolve();
          return;
        }
        this.readBody(chunk);
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        if (!opened) reject(error);
      });
      socket.once('close', () => {
        clearTimeout(timer);
        this.closedResolve?.();
        if (!opened) reject(new Error(`SSE stream of ${this.options.sessionId} closed before it opened`));
      });
    });
  }

  close(): void {
    this.socket?.destroy();
  }

  /** Returns the status code once the header block is complete (and feeds the rest to the body). */
  private readHeaders(chunk: Buffer): number | undefined {
    this.headerText += chunk.toString('latin1');
    const end = this.headerText.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const head = this.headerText.slice(0, end);
    this.headersDone = true;
    this.chunked = /\r\ntransfer-encoding:\s*chunked/i.test(head);
    const rest = Buffer.from(this.headerText.slice(end + 4), 'latin1');
    this.headerText = '';
    if (rest.length) this.readBody(rest);
    return Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
  }

  private readBody(chunk: Buffer): void {
    if (!this.chunked) return this.readText(chunk.toString('utf8'));
    this.raw = this.raw.length ? Buffer.concat([this.raw, chunk]) : chunk;
    let offset = 0;
    const payload: Buffer[] = [];
    while (offset < this.raw.length) {
      if (this.chunkRemaining < 0) {
        const lineEnd = this.raw.indexOf('\r\n', offset);
        if (lineEnd < 0) break;
        this.chunkRemaining = parseInt(this.raw.toString('latin1', offset, lineEnd), 16);
        offset = lineEnd + 2;
        if (this.chunkRemaining === 0) return this.close();
        continue;
      }
      const take = Math.min(this.chunkRemaining, this.raw.length - offset);
      payload.push(this.raw.subarray(offset, offset + take));
      offset += take;
      this.chunkRemaining -= take;
      if (this.chunkRemaining > 0) break;
      // The chunk's closing CRLF: wait for it if it has not arrived yet.
      if (this.raw.length - offset < 2) {
        this.chunkRemaining = 0;
        break;
      }
      offset += 2;
      this.chunkRemaining = -1;
    }
    this.raw = this.raw.subarray(offset);
    if (this.chunkRemaining === 0 && this.raw.length >= 2) {
      this.raw = this.raw.subarray(2);
      this.chunkRemaining = -1;
    }
    if (payload.length) this.readText(Buffer.concat(payload).toString('utf8'));
  }

  private readText(text: string): void {
    const receivedAtMs = Date.now();
    const receivedAtMono = performance.now();
    this.text += text;
    let boundary: number;
    while ((boundary = this.text.indexOf('\n\n')) >= 0) {
      const block = this.text.slice(0, boundary);
      this.text = this.text.slice(boundary + 2);
      if (block.startsWith(':')) continue;
      let seq = NaN;
      let type = '';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('id: ')) seq = Number(line.slice(4));
        else if (line.startsWith('event: ')) type = line.slice(7);
        else if (line.startsWith('data: ')) data = line.slice(6);
      }
      const event: ReceivedEvent = { seq, type, data, receivedAtMs, receivedAtMono };
      this.eventCount++;
      this.lastType = type;
      if (this.options.keepEvents) this.events.push(event);
      if (this.options.onEvent?.(event)) return this.close();
    }
  }
}
