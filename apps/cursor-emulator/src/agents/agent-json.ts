import type { Agent, AgentSummary } from '@lap/cursor-client';
import type { AgentRecord } from '../store/agent-record';

export function agentSummaryJson(agent: AgentRecord): AgentSummary {
  const json: AgentSummary = {
    id: agent.id,
    name: agent.name,
    status: agent.status,
    env: { type: 'cloud' },
    url: `https://cursor.com/agents?id=${agent.id}`,
    createdAt: new Date(agent.createdAt).toISOString(),
    updatedAt: new Date(agent.updatedAt).toISOString(),
  };
  if (agent.latestRunId) json.latestRunId = agent.latestRunId;
  return json;
}

export function agentJson(agent: AgentRecord): Agent {
  const json: Agent = { ...agentSummaryJson(agent), repos: agent.repos, autoCreatePR: agent.autoCreatePR };
  if (agent.autoGenerateBranch !== undefined) json.autoGenerateBranch = agent.autoGenerateBranch;
  if (agent.skipReviewerRequest !== undefined) json.skipReviewerRequest = agent.skipReviewerRequest;
  return json;
}
