import { Inject, Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { CursorHttpError } from '../errors/cursor-http-error';
import { EMULATOR_OPTIONS, type EmulatorOptions } from '../emulator-options';
import type { EmulatedRun } from '../runs/emulated-run';
import { RunsService } from '../runs/runs.service';
import { StatsService } from '../stats/stats.service';
import { StreamConnection } from './stream-connection';

@Injectable()
export class StreamService {
  constructor(
    @Inject(EMULATOR_OPTIONS) private readonly options: EmulatorOptions,
    private readonly runs: RunsService,
    private readonly stats: StatsService,
  ) {}

  /**
   * Checks the resume point before any byte is sent (so refusals are plain JSON errors), then hands the
   * response to a connection that replays the log and follows the run live.
   */
  open(run: EmulatedRun, lastEventId: string | undefined, res: Response): void {
    if (this.runs.isStreamExpired(run)) {
      throw new CursorHttpError(
        410,
        'stream_expired',
        `The stream of run ${run.id} has expired; GET the run instead`,
      );
    }
    let startIndex = 0;
    if (lastEventId) {
      const after = run.indexAfter(lastEventId);
      if (after === undefined) {
        throw new CursorHttpError(
          400,
          'invalid_last_event_id',
          `Last-Event-ID ${lastEventId} is not an event of run ${run.id}`,
        );
      }
      startIndex = after;
    }
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
      'X-Cursor-Stream-Retention-Seconds': String(Math.ceil(this.options.streamRetentionMs / 1000)),
    });
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    this.stats.streamConnectionsOpened += 1;
    this.stats.streamConnectionsOpen += 1;
    new StreamConnection(run, res, startIndex, {
      onClosed: () => {
        this.stats.streamConnectionsOpen -= 1;
      },
      onFaultFired: (kind) => this.stats.recordFault(kind),
    }).open();
  }
}
