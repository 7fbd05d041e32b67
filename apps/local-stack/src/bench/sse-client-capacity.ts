import type { BenchContext } from './bench-context';
import { mapWithLimit, sleep } from './bounded';
import { benchPrompt } from './gateway-api';
import { SseWatcher } from './sse-watcher';
import { promptSessions, waitUntilIdle, type WatchedSession } from './watched-sessions';

export interface SseCapacitySettings {
  clients: number;
  sessions: number;
  framesPerRun: number;
  paceMs: number;
  frameBytes: number;
}

export interface SseCapacity {
  parameters: SseCapacitySettings;
  opened: number;
  openFailures: number;
  openSeconds: number;
  /** Clients that received their session's whole run, up to `session.status_idle`. */
  fed: number;
  gatewayRssBeforeBytes: number | null;
  gatewayRssOpenBytes: number | null;
  gatewayRssAfterRunBytes: number | null;
  /** (RSS with the clients open − RSS before) / clients open. */
  bytesPerClient: number | null;
  firstError?: string;
}

/** (3b) How many SSE clients one gateway holds and feeds, and what each costs it in memory. */
export async function measureSseCapacity(
  ctx: BenchContext,
  settings: SseCapacitySettings,
): Promise<SseCapacity> {
  ctx.log(`SSE clients: ${settings.clients} clients over ${settings.sessions} sessions`);
  const sessionIds: string[] = [];
  for (let i = 0; i < settings.sessions; i++) sessionIds.push(await ctx.api.createSession(ctx.agentId));
  await sleep(1_000);
  const rssBefore = ctx.usage.rssBytesNow('gateway');
  const sessions: WatchedSession[] = sessionIds.map((sessionId) => ({ sessionId, watchers: [] }));
  let failures = 0;
  let firstError: string | undefined;
  const openStart = Date.now();
  await mapWithLimit(Array.from({ length: settings.clients }), 100, async (_, i) => {
    const session = sessions[i % sessions.length];
    const watcher = new SseWatcher({
      gatewayUrl: ctx.stack.gatewayUrl,
      masterKey: ctx.stack.masterKey,
      sessionId: session.sessionId,
      onEvent: (event) => event.type === 'session.status_idle',
    });
    try {
      await watcher.open(60_000);
      session.watchers.push(watcher);
    } catch (error) {
      failures++;
      firstError ??= (error as Error).message;
    }
  });
  const openSeconds = (Date.now() - openStart) / 1000;
  await sleep(2_000);
  const rssOpen = ctx.usage.rssBytesNow('gateway');
  const opened = sessions.reduce((n, session) => n + session.watchers.length, 0);
  await promptSessions(
    ctx,
    sessions,
    benchPrompt({ frames: settings.framesPerRun, frameBytes: settings.frameBytes, paceMs: settings.paceMs }),
  );
  const fed = await waitUntilIdle(sessions, settings.framesPerRun * settings.paceMs * 4 + 120_000);
  const rssAfter = ctx.usage.rssBytesNow('gateway');
  return {
    parameters: settings,
    opened,
    openFailures: failures,
    openSeconds,
    fed,
    gatewayRssBeforeBytes: rssBefore,
    gatewayRssOpenBytes: rssOpen,
    gatewayRssAfterRunBytes: rssAfter,
    bytesPerClient:
      rssBefore !== null && rssOpen !== null && opened > 0 ? (rssOpen - rssBefore) / opened : null,
    ...(firstError ? { firstError } : {}),
  };
}
