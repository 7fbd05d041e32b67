import { cursorFramesOf, type RawRecord, type SessionEvent } from '@lap/contracts';
import { sleep, WRITER_HEADER, type StoredRecord } from '@lap/messaging';
import type { ChaosPlatform } from './chaos-platform';
import { readSessionEvents, readSessionRaw } from './session-records';
import type { ServiceProcess } from './service-process';

/** Polls the session's logs until `done` says so; rejects with `what` after the timeout. */
async function pollSession<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  what: string,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined && done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

/** Resolves with the session's events once `runs` runs have ended (one `session.status_idle` each). */
export function waitForIdle(
  platform: ChaosPlatform,
  sessionId: string,
  runs = 1,
  timeoutMs = 90_000,
): Promise<StoredRecord<SessionEvent>[]> {
  return pollSession(
    () => readSessionEvents(platform.client, platform.names, sessionId),
    (events) => events.filter((e) => e.data.type === 'session.status_idle').length >= runs,
    `${sessionId} to finish ${runs} run(s)`,
    timeoutMs,
  );
}

/** Resolves with the raw log once it holds at least `count` Cursor frames. */
export function waitForCursorFrames(
  platform: ChaosPlatform,
  sessionId: string,
  count: number,
  timeoutMs = 60_000,
): Promise<StoredRecord<RawRecord>[]> {
  return pollSession(
    () => readSessionRaw(platform.client, platform.names, sessionId),
    (raw) => raw.flatMap((r) => cursorFramesOf(r.data)).length >= count,
    `${count} Cursor frames of ${sessionId}`,
    timeoutMs,
  );
}

/** The pid in a raw record's writer name (`runner:<host>:<pid>:<nonce>`). */
export function writerPid(record: StoredRecord<unknown>): number {
  const parts = (record.headers[WRITER_HEADER] ?? '').split(':');
  return Number(parts[parts.length - 2]);
}

/** The runner process that wrote the session's newest raw record: the one executing it. */
export async function holderOf(platform: ChaosPlatform, sessionId: string): Promise<ServiceProcess> {
  const raw = await readSessionRaw(platform.client, platform.names, sessionId);
  const pid = writerPid(raw[raw.length - 1]);
  const runner = platform.runners.find((r) => r.pid === pid);
  if (!runner) throw new Error(`no running runner has pid ${pid}`);
  return runner;
}

/** Cursor frame ids recorded for the session, in log order (`runId/frameId`). */
export function cursorFrameIds(raw: readonly StoredRecord<RawRecord>[]): string[] {
  return raw.flatMap((r) =>
    cursorFramesOf(r.data).flatMap((frame) =>
      frame.id !== null && 'runId' in r.data ? [`${r.data.runId}/${frame.id}`] : [],
    ),
  );
}

/** Resolves with the first raw record another runner appended to the session after `since`. */
export async function waitForTakeover(
  platform: ChaosPlatform,
  sessionId: string,
  lostPid: number,
  since: number,
  timeoutMs: number,
): Promise<StoredRecord<RawRecord>> {
  const isTakeover = (r: StoredRecord<RawRecord>) => r.time.getTime() > since && writerPid(r) !== lostPid;
  const raw = await pollSession(
    () => readSessionRaw(platform.client, platform.names, sessionId),
    (records) => records.some(isTakeover),
    `another runner to take ${sessionId} over`,
    timeoutMs,
  );
  return raw.find(isTakeover)!;
}
