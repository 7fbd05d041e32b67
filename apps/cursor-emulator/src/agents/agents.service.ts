import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { validationError } from '../errors/cursor-http-error';
import type { EmulatedRun } from '../runs/emulated-run';
import { RunsService } from '../runs/runs.service';
import { StatsService } from '../stats/stats.service';
import type { AgentRecord } from '../store/agent-record';
import { EmulatorStore } from '../store/emulator-store';
import { readPageQuery, takePage } from '../store/page-cursor';
import type { CreateAgentBody } from '../validation/request-schemas';

export interface AgentListQuery {
  limit?: string;
  cursor?: string;
  prUrl?: string;
  includeArchived?: string;
}

@Injectable()
export class AgentsService {
  constructor(
    private readonly store: EmulatorStore,
    private readonly runs: RunsService,
    private readonly stats: StatsService,
  ) {}

  /** Creates the agent and starts its first run at once, as Cursor does. */
  create(owner: string, body: CreateAgentBody): { agent: AgentRecord; run: EmulatedRun } {
    const startRun = this.runs.planRun(body.prompt.text);
    const now = Date.now();
    const agent: AgentRecord = {
      id: `bc-${randomUUID()}`,
      seq: this.store.nextAgentSeq(),
      owner,
      name: body.name ?? nameFromPrompt(body.prompt.text),
      status: 'ACTIVE',
      createdAt: now,
      updatedAt: now,
      repos: body.repos,
      autoCreatePR: body.autoCreatePR ?? false,
      autoGenerateBranch: body.autoGenerateBranch,
      skipReviewerRequest: body.skipReviewerRequest,
      runIds: [],
    };
    this.store.agents.set(agent.id, agent);
    this.stats.agentsCreated += 1;
    return { agent, run: startRun(agent) };
  }

  list(owner: string, query: AgentListQuery) {
    const page = readPageQuery(query.limit, query.cursor);
    const includeArchived = readBoolean('includeArchived', query.includeArchived);
    const matching = [...this.store.agents.values()]
      .filter((agent) => agent.owner === owner)
      .filter((agent) => includeArchived || agent.status === 'ACTIVE')
      .filter((agent) => !query.prUrl || this.touchesPullRequest(agent, query.prUrl))
      .sort((a, b) => b.seq - a.seq);
    const { page: agents, nextCursor } = takePage(matching, (agent) => agent.seq, page);
    return { agents, nextCursor };
  }

  /** Permanent: the agent's runs stop and their streams close. */
  delete(agent: AgentRecord): void {
    this.runs.disposeRunsOf(agent);
    this.store.agents.delete(agent.id);
  }

  setArchived(agent: AgentRecord, archived: boolean): void {
    agent.status = archived ? 'ARCHIVED' : 'ACTIVE';
    agent.updatedAt = Date.now();
  }

  private touchesPullRequest(agent: AgentRecord, prUrl: string): boolean {
    if (agent.repos.some((repo) => 'prUrl' in repo && repo.prUrl === prUrl)) return true;
    return agent.runIds.some((runId) =>
      this.store.runs.get(runId)?.git?.branches.some((branch) => branch.prUrl === prUrl),
    );
  }
}

/** Cursor names an unnamed agent after its task; directive tokens are not part of the task. */
function nameFromPrompt(text: string): string {
  const task = text
    .replace(/\[(scenario|pace|fault):[^\]]*\]/gi, '')
    .replace(/\s+/g, ' ')
    .trim();
  return task.length > 60 ? `${task.slice(0, 57)}...` : task || 'Untitled agent';
}

function readBoolean(name: string, value: string | undefined): boolean {
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  throw validationError(`${name} must be true or false`);
}
