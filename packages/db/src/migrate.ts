import type { DataSource } from 'typeorm';

/**
 * Runs pending migrations under a PostgreSQL advisory lock, so replicas starting together apply each
 * migration once. The lock key is derived from the migrations table name (one lock per service).
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<void> {
  const table = dataSource.options.migrationsTableName ?? 'migrations';
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [table]);
    try {
      await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [table]);
    }
  } finally {
    await runner.release();
  }
}
