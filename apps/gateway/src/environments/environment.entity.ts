import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** What a Cursor run takes from its environment when the session does not say otherwise. */
export interface CursorDefaults {
  repository: string | null;
  ref: string | null;
  auto_create_pr: boolean;
}

/**
 * A Managed Agents cloud environment. Cursor runs each agent in its own VM, so `networking` and
 * `packages` are kept as given; `cursor` (our extension) carries the defaults Cursor does use.
 */
export interface EnvironmentConfig {
  type: 'cloud';
  networking: object;
  packages: object;
  cursor: CursorDefaults;
}

@Entity({ name: 'environments' })
@Index('environments_owner_created', ['ownerId', 'createdAt'])
export class EnvironmentEntity {
  @PrimaryColumn('text')
  id: string;

  @Column('text', { name: 'owner_id' })
  ownerId: string;

  @Column('text')
  name: string;

  @Column('text', { nullable: true })
  description: string | null;

  @Column('jsonb', { default: () => "'{}'" })
  config: EnvironmentConfig;

  @Column('jsonb', { default: () => "'{}'" })
  metadata: Record<string, string>;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;

  @Column('timestamptz', { name: 'archived_at', nullable: true })
  archivedAt: Date | null;
}
