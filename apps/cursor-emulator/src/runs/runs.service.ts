import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { CursorHttpError, validationError } from '../errors/cursor-http-error';
import { EMULATOR_OPTIONS, type EmulatorOptions } from '../emulator-options';
import { isStreamFault, type RequestFaultSpec, type StreamFaultSpec } from '../faults/fault-spec';
import { FaultsService } from '../faults/faults.service';
import { RequestFaultBudget } from '../faults/request-fault-budget';
import { StreamFaultPlan } from '../faults/stream-fault-plan';
import { gitOutcome } from '../scenarios/git-outcome';
import { DirectiveError, parsePromptDirectives } from '../scenarios/prompt-directives';
import { startScenario } from '../scenarios/scenario-scripts';
import { StatsService } from '../stats/stats.service';
import type { AgentRecord } from '../store/agent-record';
import { EmulatorStore } from '../store/emulator-store';
import { readPageQuery, takePage } from '../store/page-cursor';
import { EmulatedRun } from './emulated-run';

/** Longest pause between two sweeps that free the frame logs of runs past their stream retention. */
const MAX_SWEEP_INTERVAL_MS = 60_000;

@Injectable()
export class RunsService implements OnModuleDestroy {
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    @Inject(EMULATOR_OPTIONS) private readonly options: EmulatorOptions,
    private readonly store: EmulatorStore,
    private readonly faults: FaultsService,
    private readonly stats: StatsService,
  ) {
    const interval = Math.max(10, Math.min(options.streamRetentionMs, MAX_SWEEP_INTERVAL_MS));
    this.sweeper = setInterval(() => this.discardExpiredLogs(), interval);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
    this.store.clear();
  }

  /**
   * Reads the prompt's directives first, so a bad `[scenario:…]` or `[fault:…]` is a 400 before
   * anything is created.
   */
  planRun(promptText: string): (agent: AgentRecord) => EmulatedRun {
    let directives;
    try {
      directives = parsePromptDirectives(promptText);
    } catch (error) {
      if (error instanceof DirectiveError) throw validationError(error.message);
      throw error;
    }
    return (agent) => {
      const streamFaults: StreamFaultSpec[] = this.faults.streamFaultsForNewRun();
      for (const spec of directives.faults) {
        if (isStreamFault(spec)) streamFaults.push(spec);
        else this.addAgentRequestFault(agent, spec);
      }
      const id = `run-${randomUUID()}`;
      const run = new EmulatedRun({
        id,
        agentId: agent.id,
        script: startScenario(directives.scenario, {
          runId: id,
          promptText,
          frames: directives.frames,
          frameBytes: directives.frameBytes,
        }),
        paceMs: directives.paceMs ?? this.options.frameIntervalMs,
        heartbeatIntervalMs: this.options.heartbeatIntervalMs,
        faults: new StreamFaultPlan(streamFaults),
        nextFrameSeq: this.store.nextFrameSeq,
        gitOutcome: () =>
          gitOutcome(agent.repos, agent.autoCreatePR, id, () => this.store.nextPullRequestNumber()),
      });
      this.store.runs.set(id, run);
      agent.runIds.push(id);
      agent.latestRunId = id;
      agent.updatedAt = run.createdAt;
      this.stats.runsCreated += 1;
      run.start();
      return run;
    };
  }

  /** A follow-up run: refused while the agent has a live run, or is archived. */
  createFollowUp(agent: AgentRecord, promptText: string): EmulatedRun {
    const start = this.planRun(promptText);
    if (agent.status === 'ARCHIVED') {
      throw new CursorHttpError(409, 'agent_archived', `Agent ${agent.id} is archived; unarchive it first`);
    }
    const latest = agent.latestRunId ? this.store.runs.get(agent.latestRunId) : undefined;
    if (latest && !latest.isTerminal) {
      throw new CursorHttpError(
        409,
        'agent_busy',
        `Agent ${agent.id} already has an active run (${latest.id})`,
      );
    }
    return start(agent);
  }

  cancel(agent: AgentRecord, runId: string): void {
    const run = this.store.requireRun(agent, runId);
    if (!run.cancel()) {
      throw new CursorHttpError(409, 'run_not_cancellable', `Run ${runId} has already ended (${run.status})`);
    }
  }

  list(agent: AgentRecord, limit: string | undefined, cursor: string | undefined) {
    const query = readPageQuery(limit, cursor);
    const newestFirst = agent.runIds.map((id, index) => ({ position: index + 1, id })).reverse();
    const { page, nextCursor } = takePage(newestFirst, (entry) => entry.position, query);
    return { runs: page.map((entry) => this.store.runs.get(entry.id)!), nextCursor };
  }

  /** Stops and forgets every run of an agent (the agent is being deleted). */
  disposeRunsOf(agent: AgentRecord): void {
    for (const runId of agent.runIds) {
      this.store.runs.get(runId)?.dispose();
      this.store.runs.delete(runId);
    }
  }

  isStreamExpired(run: EmulatedRun): boolean {
    return (
      run.logDiscarded ||
      (run.endedAt !== undefined && Date.now() - run.endedAt > this.options.streamRetentionMs)
    );
  }

  private discardExpiredLogs(): void {
    for (const run of this.store.runs.values()) {
      if (!run.logDiscarded && run.openConnections === 0 && this.isStreamExpired(run)) run.discardLog();
    }
  }

  private addAgentRequestFault(agent: AgentRecord, spec: RequestFaultSpec): void {
    agent.requestFaults ??= new RequestFaultBudget();
    agent.requestFaults.add(spec);
  }
}
