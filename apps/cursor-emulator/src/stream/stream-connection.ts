import type { Response } from 'express';
import type { EmulatedRun, RunSubscriber } from '../runs/emulated-run';
import type { ConnectionFault } from '../faults/stream-fault-plan';
import { formatSseFrame } from './sse-format';

export interface StreamConnectionHooks {
  onClosed(): void;
  onFaultFired(kind: ConnectionFault['kind']): void;
}

/**
 * One client following one run: a cursor into the run's frame log. It writes whatever the log has past
 * its cursor whenever the run appends, honours back-pressure, and applies the run's connection faults.
 * It owns no timer except while a stall fault holds it silent.
 */
export class StreamConnection implements RunSubscriber {
  private framesWritten = 0;
  private waitingForDrain = false;
  private stallTimer: NodeJS.Timeout | undefined;
  private closed = false;

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
    this.pump();
  }

  onFramesAppended(): void {
    this.pump();
  }

  onRunDiscarded(): void {
    this.close('end');
  }

  private pump(): void {
    if (this.closed || this.waitingForDrain || this.stallTimer) return;
    while (this.nextIndex < this.run.frameCount) {
      const fault = this.run.faults.isEmpty
        ? undefined
        : this.run.faults.takeConnectionFault(this.framesWritten);
      if (fault) {
        this.hooks.onFaultFired(fault.kind);
        this.apply(fault);
        return;
      }
      const flushed = this.res.write(this.run.chunkAt(this.nextIndex));
      this.nextIndex += 1;
      this.framesWritten += 1;
      if (!flushed) {
        this.waitingForDrain = true;
        this.res.once('drain', () => {
          this.waitingForDrain = false;
          this.pump();
        });
        return;
      }
    }
    if (this.run.sealed) this.close('end');
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
    this.run.subscribers.delete(this);
    this.hooks.onClosed();
  }
}
