/** A new agent, whichever API family described it. */
export interface AgentDraft {
  name: string;
  /** Defaults to the caller's own owner id. */
  ownerId?: string;
  runtime: string;
  model: string;
  system: string | null;
  description: string | null;
  tools: object[];
  mcpServers: object[];
  metadata: Record<string, string>;
}

/** Fields to change; undefined leaves a field as it is. */
export type AgentChanges = Partial<AgentDraft>;
