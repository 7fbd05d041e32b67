import type { Socket } from 'net';
import type { Response } from 'express';
import type { EmulatedRun, RunSubscriber } from '../runs/emulated-run';
import type { ConnectionFault } from '../faults/stream-fault-plan';
import { formatSseFrame } from './sse-format';

export interface StreamConnectionHooks {
  onClosed(): void;
  onFaultFired(kind: ConnectionFault['kind']): void;
}

/** Most of a run's log one write sends (at least one frame): a late reader's replay goes in pieces. */
const MAX_WRITE_CHARS = 64 * 1024;

/**
 * One client following one run: a cursor into the run's frame log. It writes whatever the log has past
 * its cursor whenever the run appends, waits for the socket to drain after a write it did not take,
 * and applies the run's connection faults. It owns no timer except while a stall fault holds it silent.
 */
export class StreamConnection implements RunSubscriber {
  private framesWritten = 0;
  /** Set while a write waits for the socket (or response) to drain: the listener to remove on close. */
  private onDrain: (() => void) | undefined;
  private stallTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /**
   * Set once the headers are out, when the response is chunked: frames go to this socket framed as
   * HTTP chunks, in one write per pump, skipping the per-write work of Node's HTTP layer (a stand-in
   * for a remote service should spend as little of the measured cores as it can).
   */
  private socket: Socket | undefined;

  constructor(
    private readonly run: EmulatedRun,
    private readonly res: Response,
    private nextIndex: number,
    private readonly hooks: StreamConnectionHooks,
  ) {}

  /** Sends the id-less `status` frame every connection starts with, then the log from the cursor on. */
  open(): void {
    this.res.on('close', () => this.release());
    this.run.subscribers.add(this);
    this.run.connectionsOpened += 1;
    this.res.write(formatSseFrame(null, 'status', { runId: this.run.id, status: this.run.status }));
    this.socket = this.directSocket();
    this.pump();
  }

  onFramesAppended(): void {
    this.pump();
  }

  onRunDiscarded(): void {
    this.close('end');
  }

  private pump(): void {
    if (this.closed || this.onDrain || this.stallTimer) return;
    while (this.nextIndex < this.run.frameCount) {
      const fault = this.run.faults.isEmpty
        ? undefined
        : this.run.faults.takeConnectionFault(this.framesWritten);
      if (fault) {
        this.hooks.onFaultFired(fault.kind);
        this.apply(fault);
        return;
      }
      // With no fault to place, what the log has past the cursor goes out together; else frame by frame.
      const frames = this.run.chunksFrom(this.nextIndex, this.run.faults.isEmpty ? MAX_WRITE_CHARS : 0);
      this.framesWritten += frames.count;
      this.nextIndex += frames.count;
      if (!this.write(frames.text)) {
        this.onDrain = () => {
          this.onDrain = undefined;
          this.pump();
        };
        (this.socket ?? this.res).once('drain', this.onDrain);
        return;
      }
    }
    if (this.run.sealed) this.close('end');
  }

  /** Writes frames as one HTTP chunk; false when the socket's buffer is full. */
  private write(frames: string): boolean {
    if (!this.socket) return this.res.write(frames);
    return this.socket.write(`${Buffer.byteLength(frames).toString(16)}\r\n${frames}\r\n`);
  }

  /** The response's socket once the headers are out and the body is chunked (HTTP/1.1). */
  private directSocket(): Socket | undefined {
    const socket = this.res.socket;
    if (!socket || !this.res.headersSent || !this.res.chunkedEncoding) return undefined;
    return socket.writable ? socket : undefined;
  }

  private apply(fault: ConnectionFault): void {
    switch (fault.kind) {
      case 'drop_after':
        this.close('end');
        break;
      case 'reset_after':
        this.close('destroy');
        break;
      case 'unavailable_after':
        this.res.write(
          formatSseFrame(null, 'error', {
            code: 'stream_unavailable',
            message: 'The stream is temporarily unavailable; reconnect with Last-Event-ID',
          }),
        );
        this.res.write(formatSseFrame(null, 'done', {}));
        this.close('end');
        break;
      case 'done_after':
        this.res.write(formatSseFrame(null, 'done', {}));
        this.close('end');
        break;
      case 'stall_after':
        this.stallTimer = setTimeout(() => {
          this.stallTimer = undefined;
          this.pump();
        }, fault.ms);
        this.stallTimer.unref();
        break;
    }
  }

  private close(how: 'end' | 'destroy'): void {
    if (this.closed) return;
    this.release();
    if (how === 'destroy') this.res.destroy();
    else this.res.end();
  }

  /** Forgets the connection, whoever ended it (us, the client, or the network). */
  private release(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    // A kept-alive socket outlives this response: it must not hold on to the connection.
    if (this.onDrain) (this.socket ?? this.res).off('drain', this.onDrain);
    this.onDrain = undefined;
    this.run.subscribers.delete(this);
    this.hooks.onClosed();
  }
}
