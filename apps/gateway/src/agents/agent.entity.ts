import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type AgentStatus = 'active' | 'archived';

/**
 * One agent definition. Holds what both APIs need: LAP's `runtime` and `owner_id`, and the Managed
 * Agents fields (`tools`, `mcp_servers`, `metadata`, `version`, `archived_at`).
 */
@Entity({ name: 'agents' })
@Index('agents_owner_created', ['ownerId', 'createdAt'])
export class AgentEntity {
  @PrimaryColumn('text')
  id: string;

  @Column('text', { name: 'owner_id' })
  ownerId: string;

  @Column('text')
  name: string;

  @Column('text', { nullable: true })
  description: string | null;

  @Column('text')
  runtime: string;

  @Column('text')
  model: string;

  @Column('text', { nullable: true })
  system: string | null;

  /** Managed Agents tool and MCP server definitions, stored as given. */
  @Column('jsonb', { default: () => "'[]'" })
  tools: object[];

  @Column('jsonb', { name: 'mcp_servers', default: () => "'[]'" })
  mcpServers: object[];

  @Column('jsonb', { default: () => "'{}'" })
  metadata: Record<string, string>;

  /** Bumped on every change; Managed Agents clients use it for optimistic concurrency. */
  @Column('int', { default: 1 })
  version: number;

  @Column('text', { default: 'active' })
  status: AgentStatus;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;

  @Column('timestamptz', { name: 'archived_at', nullable: true })
  archivedAt: Date | null;
}
