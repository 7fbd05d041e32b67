import type { BenchContext } from './bench-context';
import { mapWithLimit, withTimeout } from './bounded';
import { SseWatcher, type ReceivedEvent } from './sse-watcher';

export interface WatchedSession {
  sessionId: string;
  watchers: SseWatcher[];
}

export interface WatchOptions {
  /** Which watchers keep their arrivals (the delay figures need them); none when not given. */
  keepArrivals?: 'first watcher' | 'every watcher';
  onEvent?: (sessionIndex: number, watcherIndex: number, event: ReceivedEvent) => void;
  /** Connections opened at once. */
  openConcurrency?: number;
}

const IDLE = 'session.status_idle';

/**
 * Creates sessions without a prompt and opens their SSE streams first, so every event of the run that
 * follows reaches the watchers live. A watcher stops at the run's `session.status_idle`.
 */
export async function openWatchedSessions(
  ctx: BenchContext,
  sessionCount: number,
  watchersPerSession: number,
  options: WatchOptions = {},
): Promise<WatchedSession[]> {
  const sessionIds = await mapWithLimit(Array.from({ length: sessionCount }), 16, () =>
    ctx.api.createSession(ctx.agentId),
  );
  const sessions = sessionIds.map((sessionId, sessionIndex) => ({
    sessionId,
    watchers: Array.from(
      { length: watchersPerSession },
      (_, watcherIndex) =>
        new SseWatcher({
          gatewayUrl: ctx.stack.gatewayUrl,
          masterKey: ctx.stack.masterKey,
          sessionId,
          keepArrivals:
            options.keepArrivals === 'every watcher' ||
            (options.keepArrivals === 'first watcher' && watcherIndex === 0),
          onEvent: (event) => {
            options.onEvent?.(sessionIndex, watcherIndex, event);
            return event.type === IDLE;
          },
        }),
    ),
  }));
  const all = sessions.flatMap((session) => session.watchers);
  try {
    await mapWithLimit(all, options.openConcurrency ?? 64, (watcher) => watcher.open());
  } catch (error) {
    // One did not open: none of them is wanted then, and none may stay connected.
    for (const watcher of all) watcher.close();
    throw error;
  }
  return sessions;
}

export async function promptSessions(
  ctx: BenchContext,
  sessions: WatchedSession[],
  text: string,
): Promise<void> {
  await mapWithLimit(sessions, 16, (session) => ctx.api.prompt(session.sessionId, text));
}

/** Waits until every watcher saw the run end; returns how many did (the rest timed out). */
export async function waitUntilIdle(sessions: WatchedSession[], timeoutMs: number): Promise<number> {
  const watchers = sessions.flatMap((session) => session.watchers);
  await withTimeout(
    'every SSE watcher to see session.status_idle',
    Promise.all(watchers.map((watcher) => watcher.closed)),
    timeoutMs,
  ).catch(() => undefined);
  const idle = watchers.filter((watcher) => watcher.lastType === IDLE).length;
  for (const watcher of watchers) watcher.close();
  return idle;
}
