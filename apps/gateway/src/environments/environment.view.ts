import type { EnvironmentConfig, EnvironmentEntity } from './environment.entity';

/** An environment as the Managed Agents API returns it. */
export interface EnvironmentView {
  type: 'environment';
  id: string;
  name: string;
  description: string | null;
  config: EnvironmentConfig;
  metadata: Record<string, string>;
  scope: 'account';
  created_at: string;
  updated_at: string;
  archived_at: string | null;
}

export function toEnvironmentView(environment: EnvironmentEntity): EnvironmentView {
  return {
    type: 'environment',
    id: environment.id,
    name: environment.name,
    description: environment.description,
    config: environment.config,
    metadata: environment.metadata,
    scope: 'account',
    created_at: environment.createdAt.toISOString(),
    updated_at: environment.updatedAt.toISOString(),
    archived_at: environment.archivedAt?.toISOString() ?? null,
  };
}
