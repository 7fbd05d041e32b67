import { Inject, Injectable } from '@nestjs/common';
import { AccountService } from '../account/account.service';
import { EMULATOR_OPTIONS, type EmulatorOptions } from '../emulator-options';
import { FaultsService } from '../faults/faults.service';
import { parseFaultSpec } from '../faults/fault-spec';
import type { EmulatedRun } from '../runs/emulated-run';
import { StatsService } from '../stats/stats.service';
import { EmulatorStore } from '../store/emulator-store';

export interface RunStats {
  agentId: string;
  status: string;
  frames: number;
  streamConnectionsOpened: number;
  streamConnectionsOpen: number;
}

export interface EmulatorStats {
  totals: {
    requests: number;
    agentsCreated: number;
    runsCreated: number;
    agents: number;
    runs: number;
    activeRuns: number;
    streamConnectionsOpened: number;
    streamConnectionsOpen: number;
    faultsFired: Record<string, number>;
  };
  runs: Record<string, RunStats>;
}

@Injectable()
export class AdminService {
  constructor(
    @Inject(EMULATOR_OPTIONS) private readonly options: EmulatorOptions,
    private readonly store: EmulatorStore,
    private readonly stats: StatsService,
    private readonly faults: FaultsService,
    private readonly account: AccountService,
  ) {}

  statistics(runId?: string): EmulatorStats {
    const runs: Record<string, RunStats> = {};
    let activeRuns = 0;
    for (const run of this.store.runs.values()) {
      if (!run.isTerminal) activeRuns += 1;
      if (!runId || run.id === runId) runs[run.id] = runStats(run);
    }
    return {
      totals: {
        requests: this.stats.requests,
        agentsCreated: this.stats.agentsCreated,
        runsCreated: this.stats.runsCreated,
        agents: this.store.agents.size,
        runs: this.store.runs.size,
        activeRuns,
        streamConnectionsOpened: this.stats.streamConnectionsOpened,
        streamConnectionsOpen: this.stats.streamConnectionsOpen,
        faultsFired: { ...this.stats.faultsFired },
      },
      runs,
    };
  }

  /** Back to the state right after start-up: no agents, counters at zero, start-up faults only. */
  reset(): void {
    this.store.clear();
    this.stats.reset();
    this.account.reset();
    this.faults.clear();
    this.faults.addGlobal(this.options.faults.map(parseFaultSpec));
  }
}

function runStats(run: EmulatedRun): RunStats {
  return {
    agentId: run.agentId,
    status: run.status,
    frames: run.frameCount,
    streamConnectionsOpened: run.connectionsOpened,
    streamConnectionsOpen: run.openConnections,
  };
}
