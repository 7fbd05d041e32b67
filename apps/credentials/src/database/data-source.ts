import { DataSource, type DataSourceOptions } from 'typeorm';
import { postgresOptions } from '@lap/db';
import { RuntimeCredential } from '../credentials/runtime-credential.entity';
import { CreateRuntimeCredentials1764300000000 } from './migrations/1764300000000-CreateRuntimeCredentials';

/** The one description of the credentials database, shared by the service and the typeorm CLI. */
export function credentialsDataSourceOptions(databaseUrl: string): DataSourceOptions {
  return postgresOptions({
    url: databaseUrl,
    entities: [RuntimeCredential],
    migrations: [CreateRuntimeCredentials1764300000000],
    migrationsTableName: 'credentials_migrations',
    applicationName: 'lap-credentials',
  });
}

/**
 * For the typeorm CLI (`npm run migration:run`): it connects to DATABASE_URL (when unset, libpq's PG*
 * variables decide). Constructing a DataSource opens no connection, so the service importing this file
 * costs nothing.
 */
export default new DataSource(credentialsDataSourceOptions(process.env.DATABASE_URL ?? ''));
