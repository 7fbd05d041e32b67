import { Injectable } from '@nestjs/common';
import { agentNotFound, runNotFound } from '../errors/cursor-http-error';
import type { EmulatedRun } from '../runs/emulated-run';
import type { AgentRecord } from './agent-record';

/** The emulator's whole state, in memory. Agents are visible only to the key that created them. */
@Injectable()
export class EmulatorStore {
  readonly agents = new Map<string, AgentRecord>();
  readonly runs = new Map<string, EmulatedRun>();
  private agentSeq = 0;
  private frameSeq = 0;
  private pullRequestNumber = 0;

  nextAgentSeq(): number {
    return ++this.agentSeq;
  }

  /** Shared by all runs so that a frame id names exactly one run. */
  readonly nextFrameSeq = (): number => ++this.frameSeq;

  nextPullRequestNumber(): number {
    return ++this.pullRequestNumber;
  }

  /** The caller's agent, or 404 `agent_not_found` (also for another key's agent). */
  requireAgent(owner: string, agentId: string): AgentRecord {
    const agent = this.agents.get(agentId);
    if (!agent || agent.owner !== owner) throw agentNotFound(agentId);
    return agent;
  }

  findOwnedAgent(owner: string, agentId: string): AgentRecord | undefined {
    const agent = this.agents.get(agentId);
    return agent && agent.owner === owner ? agent : undefined;
  }

  /** A run of that agent, or 404 `run_not_found`. */
  requireRun(agent: AgentRecord, runId: string): EmulatedRun {
    const run = this.runs.get(runId);
    if (!run || run.agentId !== agent.id) throw runNotFound(runId);
    return run;
  }

  clear(): void {
    for (const run of this.runs.values()) run.dispose();
    this.agents.clear();
    this.runs.clear();
  }
}
