import { Client } from 'pg';
import type { BenchContext } from './bench-context';
import { sleep } from './bounded';

export interface ProjectionCatchUp {
  /** Events in `<P>_EVENTS` not yet in `session_events` when the wait began. */
  backlogAtStart: number;
  backlogAtEnd: number;
  waitedMs: number;
  /** Events projected per second during the wait (null when there was nothing to do). */
  eventsPerSecond: number | null;
}

async function projectedCount(databaseUrl: string): Promise<number> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM session_events');
    return Number(rows[0].n);
  } finally {
    await client.end();
  }
}

async function backlog(ctx: BenchContext): Promise<{ backlog: number; projected: number }> {
  const stored = (await ctx.nats.jsm.streams.info(ctx.names.streams.events)).state.messages;
  const projected = await projectedCount(ctx.databaseUrl);
  return { backlog: Math.max(0, stored - projected), projected };
}

/**
 * Waits (bounded) until the gateway's PostgreSQL projection holds every stored event. The projection
 * is off the SSE path, but a backlog keeps the gateway and PostgreSQL busy and would weigh on whatever
 * is measured next; how long it takes is a figure of its own.
 */
export async function waitForProjection(ctx: BenchContext, timeoutMs: number): Promise<ProjectionCatchUp> {
  const start = Date.now();
  const first = await backlog(ctx);
  let last = first;
  while (last.backlog > 0 && Date.now() - start < timeoutMs) {
    await sleep(250);
    last = await backlog(ctx);
  }
  const waitedMs = Date.now() - start;
  return {
    backlogAtStart: first.backlog,
    backlogAtEnd: last.backlog,
    waitedMs,
    eventsPerSecond: first.backlog > 0 ? (last.projected - first.projected) / (waitedMs / 1000) : null,
  };
}
