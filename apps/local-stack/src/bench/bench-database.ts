import { randomBytes } from 'crypto';
import { Client } from 'pg';

export interface BenchDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

async function withAdmin<T>(adminUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh database on the given server for one bench run; `drop()` removes it (even if in use). */
export async function createBenchDatabase(adminUrl: string): Promise<BenchDatabase> {
  const name = `lap_bench_${randomBytes(4).toString('hex')}`;
  await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () =>
      withAdmin(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(
        () => undefined,
      ),
  };
}

/** The server processes (backends) currently serving one database: their CPU counts for the bench. */
export async function backendPids(adminUrl: string, database: string): Promise<number[]> {
  return withAdmin(adminUrl, async (admin) => {
    const { rows } = await admin.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = $1',
      [database],
    );
    return rows.map((row) => row.pid);
  });
}
