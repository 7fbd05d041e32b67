import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { SessionOutputs } from '@lap/contracts';
import { AgentEntity } from '../agents/agent.entity';
import { bigintAsNumber } from '../database/bigint-as-number';

/** pending: a prompt is queued but no run started yet; error: the last run ended in an error. */
export type SessionStatus = 'pending' | 'running' | 'idle' | 'error' | 'terminated';

/** The agent as it was when the session started: later edits to the agent do not change a session. */
export interface AgentSnapshot {
  id: string;
  version: number;
  name: string;
  model: string;
  system: string | null;
  description: string | null;
  runtime: string;
  /** Managed Agents tool and MCP server definitions (absent in snapshots taken before they were kept). */
  tools?: object[];
  mcpServers?: object[];
}

/** Where the session works: the repository to clone, its ref, and whether Cursor opens a PR. */
export interface SessionEnvironment {
  repository: string | null;
  ref: string | null;
  /** Whether `ref` names a branch (the default) or a commit, as a Managed Agents checkout said. */
  ref_kind?: 'branch' | 'commit';
  auto_create_pr: boolean;
}

@Entity({ name: 'sessions' })
@Index('sessions_owner_created', ['ownerId', 'createdAt'])
@Index('sessions_agent', ['agentId'])
export class SessionEntity {
  @PrimaryColumn('text')
  id: string;

  @Column('text', { name: 'owner_id' })
  ownerId: string;

  @Column('text', { name: 'agent_id' })
  agentId: string;

  /** Declared for the foreign key only; read `agentSnapshot` for what the session runs. */
  @ManyToOne(() => AgentEntity)
  @JoinColumn({ name: 'agent_id', foreignKeyConstraintName: 'sessions_agent_id_fkey' })
  agent?: AgentEntity;

  @Column('jsonb', { name: 'agent_snapshot' })
  agentSnapshot: AgentSnapshot;

  @Column('text')
  runtime: string;

  @Column('text', { nullable: true })
  title: string | null;

  @Column('text')
  status: SessionStatus;

  /** A Managed Agents environment (`env_…`); LAP sessions carry their environment inline instead. */
  @Column('text', { name: 'environment_id', nullable: true })
  environmentId: string | null;

  @Column('jsonb', { default: () => "'{}'" })
  environment: SessionEnvironment;

  @Column('jsonb', { default: () => "'{}'" })
  metadata: Record<string, string>;

  /** Cursor's agent and run ids, branches and PR url, as announced by `session.updated` events. */
  @Column('jsonb', { default: () => "'{}'" })
  outputs: SessionOutputs;

  /** Stream sequence of the newest event projected onto this row (0: none yet). */
  @Column('bigint', { name: 'last_event_seq', default: 0, transformer: bigintAsNumber })
  lastEventSeq: number;

  /** `Lap-Event-Number` of that event (0: none yet; null: not known, e.g. the row predates numbering). */
  @Column('bigint', { name: 'last_event_number', nullable: true, transformer: bigintAsNumber })
  lastEventNumber: number | null;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;

  /** Archived: read-only, still readable, left out of lists unless asked for. */
  @Column('timestamptz', { name: 'archived_at', nullable: true })
  archivedAt: Date | null;

  /** Deleted: gone from every route (the row and its events stay for the record). */
  @Column('timestamptz', { name: 'deleted_at', nullable: true })
  deletedAt: Date | null;
}
