import 'reflect-metadata';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { postgresOptions } from '@lap/db';
import { AgentEntity } from '../agents/agent.entity';
import { EnvironmentEntity } from '../environments/environment.entity';
import { SessionEventEntity } from '../events/session-event.entity';
import { SessionEntity } from '../sessions/session.entity';
import { gatewayMigrations } from './migrations';

export const gatewayEntities = [AgentEntity, EnvironmentEntity, SessionEntity, SessionEventEntity];

/** The gateway's one DataSource configuration: the app and the typeorm CLI both use it. */
export function gatewayDataSourceOptions(databaseUrl: string): DataSourceOptions {
  return postgresOptions({
    url: databaseUrl,
    entities: gatewayEntities,
    migrations: gatewayMigrations,
    migrationsTableName: 'gateway_migrations',
    applicationName: 'lap-gateway',
  });
}

/**
 * For the typeorm CLI (`npm run migration:run -w @lap/gateway`). Without DATABASE_URL, pg falls back
 * to the standard PGHOST/PGUSER/PGDATABASE variables.
 */
export default new DataSource(gatewayDataSourceOptions(process.env.DATABASE_URL ?? ''));
