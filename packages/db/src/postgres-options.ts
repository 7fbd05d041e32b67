import type { DataSourceOptions, MixedList, EntitySchema } from 'typeorm';

export interface PostgresOptionsInput {
  url: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
  /** Each service keeps its own migration history, so services sharing a database never step on each other. */
  migrationsTableName: string;
  /** A short name for the connection, shown in pg_stat_activity. */
  applicationName: string;
}

/**
 * The DataSource settings every service and its migrations CLI use: migrations only (never
 * `synchronize`), a small pool, and timeouts so an unreachable database fails a request quickly
 * (a clear 503) instead of hanging it.
 */
export function postgresOptions(input: PostgresOptionsInput): DataSourceOptions {
  return {
    type: 'postgres',
    url: input.url,
    entities: input.entities,
    migrations: input.migrations,
    migrationsTableName: input.migrationsTableName,
    migrationsTransactionMode: 'each',
    synchronize: false,
    applicationName: input.applicationName,
    extra: {
      max: 10,
      connectionTimeoutMillis: 3_000,
      idleTimeoutMillis: 30_000,
      statement_timeout: 15_000,
      // A process frozen inside a transaction (SIGSTOP, a paused VM) would otherwise hold its row locks
      // until PostgreSQL notices the dead connection; this ends such a transaction and frees them.
      idle_in_transaction_session_timeout: 60_000,
    },
  };
}
