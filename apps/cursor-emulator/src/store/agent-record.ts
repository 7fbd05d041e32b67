import type { AgentStatus, RepoRef } from '@lap/cursor-client';
import type { RequestFaultBudget } from '../faults/request-fault-budget';

/** An agent as the emulator keeps it; `owner` scopes it to the API key that created it. */
export interface AgentRecord {
  id: string;
  /** Creation order, used as the pagination position. */
  seq: number;
  owner: string;
  name: string;
  status: AgentStatus;
  createdAt: number;
  updatedAt: number;
  repos: RepoRef[];
  autoCreatePR: boolean;
  autoGenerateBranch?: boolean;
  skipReviewerRequest?: boolean;
  /** Oldest first. */
  runIds: string[];
  latestRunId?: string;
  /** Errors owed to this agent's next requests (from `[fault:rate_limit=…]` etc.); created on demand. */
  requestFaults?: RequestFaultBudget;
}
