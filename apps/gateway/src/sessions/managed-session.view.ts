import type { SessionOutputs } from '@lap/contracts';
import type { AgentSnapshot, SessionEntity, SessionEnvironment, SessionStatus } from './session.entity';

export type ManagedSessionStatus = 'idle' | 'running' | 'terminated';

/** The session's one repository, as a Managed Agents `github_repository` resource. */
export interface GithubRepositoryResourceView {
  type: 'github_repository';
  id: string;
  url: string;
  checkout: { type: 'branch'; name: string } | { type: 'commit'; sha: string } | null;
  /** Cursor works in its own VM: there is no mount path to report. */
  mount_path: null;
  created_at: string;
  updated_at: string;
}

/** A session as the Managed Agents API returns it (`BetaManagedAgentsSession`). */
export interface ManagedSessionView {
  type: 'session';
  id: string;
  agent: ReturnType<typeof toAgentSnapshotView>;
  /** Null for sessions started through the LAP routes, which carry their environment inline. */
  environment_id: string | null;
  status: ManagedSessionStatus;
  title: string | null;
  metadata: Record<string, string>;
  resources: GithubRepositoryResourceView[];
  stats: { duration_seconds: number };
  /** Cursor does not report token usage. */
  usage: Record<string, never>;
  budget: null;
  outcome_evaluations: never[];
  vault_ids: never[];
  /** Our extensions: whether Cursor opens a PR, and where the runs left their work. */
  auto_create_pr: boolean;
  outputs: SessionOutputs;
  created_at: string;
  updated_at: string;
  archived_at: string | null;
}

/**
 * A pending session (a message queued, its run not started yet) already counts as running, and a
 * failed run leaves it idle, as in Managed Agents.
 */
const MANAGED_STATUS: Record<SessionStatus, ManagedSessionStatus> = {
  pending: 'running',
  running: 'running',
  idle: 'idle',
  error: 'idle',
  terminated: 'terminated',
};

export function toManagedSessionView(session: SessionEntity, now = new Date()): ManagedSessionView {
  const status = MANAGED_STATUS[session.status];
  const end = status === 'terminated' ? session.updatedAt : now;
  return {
    type: 'session',
    id: session.id,
    agent: toAgentSnapshotView(session.agentSnapshot),
    environment_id: session.environmentId,
    status,
    title: session.title,
    metadata: session.metadata,
    resources: resourcesOf(session),
    stats: {
      duration_seconds: Math.max(0, Math.round((end.getTime() - session.createdAt.getTime()) / 1000)),
    },
    usage: {},
    budget: null,
    outcome_evaluations: [],
    vault_ids: [],
    auto_create_pr: session.environment.auto_create_pr,
    outputs: session.outputs,
    created_at: session.createdAt.toISOString(),
    updated_at: session.updatedAt.toISOString(),
    archived_at: session.archivedAt?.toISOString() ?? null,
  };
}

function toAgentSnapshotView(snapshot: AgentSnapshot) {
  return {
    type: 'agent' as const,
    id: snapshot.id,
    name: snapshot.name,
    description: snapshot.description,
    model: { id: snapshot.model },
    system: snapshot.system,
    tools: snapshot.tools ?? [],
    mcp_servers: snapshot.mcpServers ?? [],
    skills: [] as never[],
    multiagent: null,
    version: snapshot.version,
  };
}

function resourcesOf(session: SessionEntity): GithubRepositoryResourceView[] {
  const { repository } = session.environment;
  if (!repository) return [];
  return [
    {
      type: 'github_repository',
      // One repository per session, so the session id names it.
      id: `sesrsc_${session.id.slice('sesn_'.length)}`,
      url: repository,
      checkout: checkoutOf(session.environment),
      mount_path: null,
      created_at: session.createdAt.toISOString(),
      updated_at: session.createdAt.toISOString(),
    },
  ];
}

function checkoutOf(environment: SessionEnvironment): GithubRepositoryResourceView['checkout'] {
  if (environment.ref === null) return null;
  return environment.ref_kind === 'commit'
    ? { type: 'commit', sha: environment.ref }
    : { type: 'branch', name: environment.ref };
}
