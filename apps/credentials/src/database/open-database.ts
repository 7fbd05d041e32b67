import type { LoggerService } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isDatabaseUnavailable, runMigrationsLocked } from '@lap/db';
import { credentialsDataSourceOptions } from './data-source';

export interface OpenDatabaseOptions {
  /** Tries while the database is unreachable: rides out a database that starts a little later. */
  attempts?: number;
  delayMs?: number;
}

/**
 * Connects and applies pending migrations. An unreachable database is retried a bounded number of
 * times, then start-up fails with a message naming the database (password hidden), so an orchestrator
 * restarting the service shows why rather than looping silently. Other errors fail at once.
 */
export async function openDatabase(
  databaseUrl: string,
  logger: LoggerService,
  { attempts = 5, delayMs = 2_000 }: OpenDatabaseOptions = {},
): Promise<DataSource> {
  for (let attempt = 1; ; attempt++) {
    const dataSource = new DataSource(credentialsDataSourceOptions(databaseUrl));
    try {
      await dataSource.initialize();
      await runMigrationsLocked(dataSource);
      return dataSource;
    } catch (error) {
      if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
      const reason = (error as Error).message;
      const where = describeDatabase(databaseUrl);
      if (!isDatabaseUnavailable(error)) {
        throw new Error(`credentials database ${where} could not be prepared: ${reason}`);
      }
      if (attempt >= attempts) {
        throw new Error(`credentials database ${where} is unreachable after ${attempts} attempts: ${reason}`);
      }
      logger.warn(`credentials database ${where} is unreachable (${reason}); retrying`, 'Database');
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

function describeDatabase(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(DATABASE_URL)';
  }
}
