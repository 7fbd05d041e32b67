import net from 'net';
import { StringDecoder } from 'string_decoder';

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

/**
 * The arrivals a watcher keeps, as parallel arrays of numbers (the i-th event's sequence and clocks).
 * No object per event outlives its read: everything kept would be copied by the bench's young
 * collections and then fill its old space, and the pauses that cost land in the very arrival times
 * being measured.
 */
export class Arrivals {
  readonly seqs: number[] = [];
  readonly wallMs: number[] = [];
  readonly monoMs: number[] = [];

  get length(): number {
    return this.seqs.length;
  }

  push(event: ReceivedEvent): void {
    this.seqs.push(event.seq);
    this.wallMs.push(event.receivedAtMs);
    this.monoMs.push(event.receivedAtMono);
  }
}

export interface SseWatcherOptions {
  gatewayUrl: string;
  masterKey: string;
  sessionId: string;
  /** Called for every event, in order; return true to stop watching. */
  onEvent?: (event: ReceivedEvent) => boolean | void;
  /** Keep every arrival in `arrivals` (the delay figures need them; the memory figures do not). */
  keepArrivals?: boolean;
  query?: string;
}

/**
 * Where every watcher's socket reads land (`onread`): each read is handled before the next one can
 * happen, so one buffer serves them all and no Buffer is allocated per read.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/**
 * A minimal SSE client on a raw socket: HTTP/1.1 GET, chunked transfer decoding, `id:`/`event:`/`data:`
 * parsing. Tens of thousands of them fit in the bench process, where fetch() would cost far more per
 * stream and blur what the gateway costs per client. It shares the machine with the gateway, so its
 * reads skip the stream machinery (`onread` into one shared buffer) and its parsing copies little.
 */
export class SseWatcher {
  readonly arrivals = new Arrivals();
  eventCount = 0;
  lastType?: string;
  private socket?: net.Socket;
  private headerText = '';
  private headersDone = false;
  private chunked = false;
  /** Chunked decoding state: bytes still due in the current chunk's payload. */
  private chunkRemaining = 0;
  /** Chunked decoding state: what is being read now. */
  private chunkState: 'size' | 'payload' | 'crlf' = 'size';
  /** An incomplete chunk size line, carried to the next read. */
  private sizeLine = '';
  private readonly decoder = new StringDecoder('utf8');
  private text = '';
  private closedResolve?: () => void;
  readonly closed = new Promise<void>((resolve) => (this.closedResolve = resolve));

  constructor(private readonly options: SseWatcherOptions) {}

  /** Resolves once the gateway answered 200 (it listens for live events from then on). */
  open(timeoutMs = 30_000): Promise<void> {
    const url = new URL(this.options.gatewayUrl);
    const path = `/v1/sessions/${this.options.sessionId}/events/stream${this.options.query ?? ''}`;
    return new Promise((resolve, reject) => {
      let opened = false;
      const onBytes = (bytes: Buffer) => {
        if (this.headersDone) return this.readBody(bytes);
        const status = this.readHeaders(bytes);
        if (status === undefined) return;
        clearTimeout(timer);
        if (status !== 200) {
          socket.destroy();
          return reject(new Error(`SSE stream of ${this.options.sessionId} answered ${status}`));
        }
        opened = true;
        resolve();
      };
      const socket = net.connect({
        host: url.hostname,
        port: Number(url.port),
        onread: {
          buffer: READ_BUFFER,
          callback: (length: number, buffer: Uint8Array) => {
            onBytes(Buffer.from(buffer.buffer, buffer.byteOffset, length));
            return true;
          },
        },
      });
      this.socket = socket;
      socket.setNoDelay(true);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`SSE stream of ${this.options.sessionId} did not open within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () =>
        socket.write(
          `GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${this.options.masterKey}\r\n` +
            'Accept: text/event-stream\r\n\r\n',
        ),
      );
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
  private readHeaders(bytes: Buffer): number | undefined {
    this.headerText += bytes.toString('latin1');
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

  /** `bytes` is only valid during this call (the shared read buffer): what is kept is decoded or copied. */
  private readBody(bytes: Buffer): void {
    if (!this.chunked) return this.readText(this.decoder.write(bytes));
    let text = '';
    let offset = 0;
    while (offset < bytes.length) {
      if (this.chunkState === 'size') {
        const lineEnd = bytes.indexOf(0x0a, offset);
        if (lineEnd < 0) {
          this.sizeLine += bytes.toString('latin1', offset);
          break;
        }
        const line = this.sizeLine + bytes.toString('latin1', offset, lineEnd);
        this.sizeLine = '';
        offset = lineEnd + 1;
        this.chunkRemaining = parseInt(line, 16);
        if (this.chunkRemaining === 0) {
          if (text) this.readText(text);
          return this.close();
        }
        this.chunkState = 'payload';
      } else if (this.chunkState === 'payload') {
        const take = Math.min(this.chunkRemaining, bytes.length - offset);
        text += this.decoder.write(bytes.subarray(offset, offset + take));
        offset += take;
        this.chunkRemaining -= take;
        if (this.chunkRemaining === 0) this.chunkState = 'crlf';
      } else {
        // The chunk's closing CRLF (possibly split across reads): skip to its LF.
        if (bytes[offset++] === 0x0a) this.chunkState = 'size';
      }
    }
    if (text) this.readText(text);
  }

  private readText(text: string): void {
    const receivedAtMs = Date.now();
    const receivedAtMono = performance.now();
    const buffer = this.text ? this.text + text : text;
    let start = 0;
    let boundary: number;
    while ((boundary = buffer.indexOf('\n\n', start)) >= 0) {
      const blockStart = start;
      start = boundary + 2;
      if (buffer.charCodeAt(blockStart) === 0x3a /* ':' a comment */) continue;
      let seq = NaN;
      let type = '';
      let data = '';
      for (let lineStart = blockStart; lineStart < boundary;) {
        let lineEnd = buffer.indexOf('\n', lineStart);
        if (lineEnd < 0 || lineEnd > boundary) lineEnd = boundary;
        if (buffer.startsWith('id: ', lineStart)) seq = Number(buffer.slice(lineStart + 4, lineEnd));
        else if (buffer.startsWith('event: ', lineStart)) type = buffer.slice(lineStart + 7, lineEnd);
        else if (buffer.startsWith('data: ', lineStart)) data = buffer.slice(lineStart + 6, lineEnd);
        lineStart = lineEnd + 1;
      }
      const event: ReceivedEvent = { seq, type, data, receivedAtMs, receivedAtMono };
      this.eventCount++;
      this.lastType = type;
      if (this.options.keepArrivals) this.arrivals.push(event);
      if (this.options.onEvent?.(event)) {
        this.text = '';
        return this.close();
      }
    }
    this.text = start === 0 ? buffer : buffer.slice(start);
  }
}
