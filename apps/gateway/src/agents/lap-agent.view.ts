import type { AgentEntity } from './agent.entity';

/** An agent as LAP's `/api/agents` routes return it. */
export interface LapAgentView {
  id: string;
  name: string;
  owner_id: string;
  model: string;
  system: string | null;
  description: string | null;
  runtime: string;
  config: { runtime: string };
  metadata: Record<string, string>;
  version: number;
  status: string;
  created_at: string;
  updated_at: string;
}

export function toLapAgentView(agent: AgentEntity): LapAgentView {
  return {
    id: agent.id,
    name: agent.name,
    owner_id: agent.ownerId,
    model: agent.model,
    system: agent.system,
    description: agent.description,
    runtime: agent.runtime,
    config: { runtime: agent.runtime },
    metadata: agent.metadata,
    version: agent.version,
    status: agent.status,
    created_at: agent.createdAt.toISOString(),
    updated_at: agent.updatedAt.toISOString(),
  };
}
