import { Header } from '@lap/contracts';
import { SubjectLog } from '@lap/messaging';
import type { BenchContext } from './bench-context';
import { benchPrompt, emulatorStats } from './gateway-api';
import { openWatchedSessions, promptSessions, waitUntilIdle } from './watched-sessions';

export interface UpstreamSettings {
  watcherCounts: number[];
  framesPerRun: number;
  paceMs: number;
}

export interface UpstreamPoint {
  watchers: number;
  watchersCompleted: number;
  /** Stream connections the emulator (Cursor) saw for the session's run. */
  upstreamConnections: number | null;
}

/** (4) Cursor stream connections per live run, with 1 and with many SSE watchers on the session. */
export async function measureUpstreamConnections(
  ctx: BenchContext,
  settings: UpstreamSettings,
): Promise<UpstreamPoint[]> {
  const raw = new SubjectLog(ctx.nats, ctx.names.streams.raw);
  const points: UpstreamPoint[] = [];
  for (const watchers of settings.watcherCounts) {
    ctx.log(`upstream connections: ${watchers} watchers on one live run`);
    const [session] = await openWatchedSessions(ctx, 1, watchers);
    await promptSessions(
      ctx,
      [session],
      benchPrompt({ frames: settings.framesPerRun, frameBytes: 64, paceMs: settings.paceMs }),
    );
    const completed = await waitUntilIdle([session], settings.framesPerRun * settings.paceMs * 4 + 30_000);
    // The runner names the Cursor run on every raw record it writes.
    const last = await raw.last(ctx.names.raw(session.sessionId));
    const runId = last?.headers[Header.CursorRunId];
    const stats = runId ? await emulatorStats(ctx.stack.emulatorUrl, runId) : undefined;
    points.push({
      watchers,
      watchersCompleted: completed,
      upstreamConnections: runId ? (stats?.runs[runId]?.streamConnectionsOpened ?? null) : null,
    });
  }
  return points;
}
