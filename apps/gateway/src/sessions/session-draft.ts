import type { SessionEnvironment } from './session.entity';

/** A new session, whichever API family described it. */
export interface SessionDraft {
  agentId: string;
  /** The agent version the caller expects (Managed Agents `{type:"agent", id, version}`). */
  agentVersion?: number;
  /** The runtime the caller expects; must match the agent's. */
  runtime?: string;
  title: string | null;
  environmentId: string | null;
  environment: SessionEnvironment;
  /** Overrides the agent's model for this session. */
  model?: string;
  metadata: Record<string, string>;
  /** Messages to send at once, in order: the first starts the run. */
  initialMessages: string[];
}
