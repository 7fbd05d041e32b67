import { Injectable } from '@nestjs/common';

/** Process-wide counters for `GET /__emulator/stats`; per-run counts live on each run. */
@Injectable()
export class StatsService {
  requests = 0;
  agentsCreated = 0;
  runsCreated = 0;
  streamConnectionsOpened = 0;
  streamConnectionsOpen = 0;
  faultsFired: Record<string, number> = {};

  recordFault(kind: string): void {
    this.faultsFired[kind] = (this.faultsFired[kind] ?? 0) + 1;
  }

  /** Counts survive a reset except connections still closing, which decrement on their own. */
  reset(): void {
    this.requests = 0;
    this.agentsCreated = 0;
    this.runsCreated = 0;
    this.streamConnectionsOpened = 0;
    this.faultsFired = {};
  }
}
