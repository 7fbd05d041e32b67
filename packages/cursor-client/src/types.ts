/**
 * The objects of Cursor's Cloud Agents v1 API, as documented in shared/reference/cursor-v1.md.
 * Fields marked optional are ones Cursor adds over time or only in some states; the runner must not
 * depend on anything the reference marks as unconfirmed.
 */

export type AgentStatus = 'ACTIVE' | 'ARCHIVED';

export const RUN_STATUSES = ['CREATING', 'RUNNING', 'FINISHED', 'ERROR', 'CANCELLED', 'EXPIRED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['FINISHED', 'ERROR', 'CANCELLED', 'EXPIRED'];

/** A run in one of these states will not change again; its stream ends with `result` then `done`. */
export function isTerminalRunStatus(status: string): status is RunStatus {
  return (TERMINAL_RUN_STATUSES as readonly string[]).includes(status);
}

export interface AgentSummary {
  id: string;
  name: string;
  status: AgentStatus;
  env: { type: 'cloud' };
  url: string;
  createdAt: string;
  updatedAt: string;
  latestRunId?: string;
}

export type RepoRef = { url: string; startingRef?: string } | { prUrl: string };

export interface Agent extends AgentSummary {
  repos: RepoRef[];
  autoCreatePR: boolean;
  autoGenerateBranch?: boolean;
  skipReviewerRequest?: boolean;
}

export interface GitBranch {
  repoUrl?: string;
  branch?: string;
  prUrl?: string;
}

export interface RunGit {
  branches: GitBranch[];
}

export interface Run {
  id: string;
  agentId: string;
  status: RunStatus;
  createdAt: string;
  updatedAt: string;
  durationMs?: number;
  /** The run's final assistant text, once it has one. */
  result?: string;
  git?: RunGit;
}

export interface PromptImage {
  data: string;
  dimension?: { width: number; height: number };
}

export interface Prompt {
  text: string;
  images?: PromptImage[];
}

export interface ModelSelection {
  id: string;
  params?: { id: string; value: unknown }[];
}

export interface CreateAgentRequest {
  prompt: Prompt;
  model?: ModelSelection;
  repos: RepoRef[];
  autoCreatePR?: boolean;
  skipReviewerRequest?: boolean;
  autoGenerateBranch?: boolean;
  envVars?: Record<string, string>;
  name?: string;
  mcpServers?: unknown;
}

export interface CreateAgentResponse {
  agent: Agent;
  run: Run;
}

export interface CreateRunRequest {
  prompt: Prompt;
}

export interface CreateRunResponse {
  run: Run;
}

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null at the end. */
  nextCursor: string | null;
}

export interface ListAgentsQuery {
  limit?: number;
  cursor?: string;
  prUrl?: string;
  includeArchived?: boolean;
}

export interface ListRunsQuery {
  limit?: number;
  cursor?: string;
}

/** Answer of delete, archive, unarchive and cancel. */
export interface IdResponse {
  id: string;
}

export interface Me {
  apiKeyName: string;
  createdAt: string;
  userEmail: string;
}

/** Early API versions listed models as bare strings; {@link CursorClient.models} normalizes them to this. */
export interface ModelInfo {
  id: string;
  displayName?: string;
  [extra: string]: unknown;
}

export interface Repository {
  url: string;
  [extra: string]: unknown;
}

/** Error codes the reference lists; Cursor may add more, so `CursorApiError.code` stays a string. */
export type CursorErrorCode =
  | 'unauthorized'
  | 'api_key_not_found'
  | 'plan_required'
  | 'role_forbidden'
  | 'feature_unavailable'
  | 'validation_error'
  | 'missing_body'
  | 'agent_not_found'
  | 'run_not_found'
  | 'agent_busy'
  | 'agent_archived'
  | 'run_not_cancellable'
  | 'rate_limit_exceeded'
  | 'stream_expired'
  | 'stream_unavailable'
  | 'invalid_last_event_id'
  | 'upstream_error'
  | 'internal_error';

/** The `event:` names of the run stream. */
export type RunStreamEvent =
  | 'status'
  | 'assistant'
  | 'thinking'
  | 'tool_call'
  | 'interaction_update'
  | 'heartbeat'
  | 'result'
  | 'error'
  | 'done';

export interface ResultFrameData {
  runId: string;
  status: RunStatus;
  text?: string;
  durationMs?: number;
  git?: RunGit;
}
