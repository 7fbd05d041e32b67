import type { AgentEntity } from './agent.entity';

/** An agent as the Managed Agents API returns it (`BetaManagedAgentsAgent`). */
export interface ManagedAgentView {
  type: 'agent';
  id: string;
  name: string;
  description: string | null;
  model: { id: string };
  system: string | null;
  tools: object[];
  mcp_servers: object[];
  skills: never[];
  multiagent: null;
  metadata: Record<string, string>;
  version: number;
  /** Our extension: the runtime the agent's sessions run on. */
  runtime: string;
  created_at: string;
  updated_at: string;
  archived_at: string | null;
}

export function toManagedAgentView(agent: AgentEntity): ManagedAgentView {
  return {
    type: 'agent',
    id: agent.id,
    name: agent.name,
    description: agent.description,
    model: { id: agent.model },
    system: agent.system,
    tools: agent.tools,
    mcp_servers: agent.mcpServers,
    skills: [],
    multiagent: null,
    metadata: agent.metadata,
    version: agent.version,
    runtime: agent.runtime,
    created_at: agent.createdAt.toISOString(),
    updated_at: agent.updatedAt.toISOString(),
    archived_at: agent.archivedAt?.toISOString() ?? null,
  };
}
