import { cursorFramesOf, type CursorFrame, type UserMessageCommand } from '@lap/contracts';
import type { CursorClient, Run, StreamRunOptions } from '@lap/cursor-client';
import { RunExecutor } from '../src/runs/run-executor';
import { SessionLog } from '../src/session-log/session-log';
import { FakeRawLog } from './support/fake-raw-log';

const command: UserMessageCommand = {
  type: 'user.message',
  commandId: 'cmd_1',
  sessionId: 'sesn_1',
  ownerId: 'alice',
  issuedAt: '2026-01-01T00:00:00.000Z',
  text: 'Fix it',
  agent: { name: 'fixer', model: null, system: null },
  environment: { repository: null, ref: null, autoCreatePr: false },
};

const frame = (id: string | null, event: string, data: unknown = {}): CursorFrame => ({ id, event, data });

/**
 * A Cursor whose run stream ignores `Last-Event-ID` and replays the run from its start on every
 * connection, each connection going one frame further than the one before (then saying "reconnect").
 */
class ReplayingCursor {
  readonly lastEventIds: Array<string | undefined> = [];
  private readonly frames = [
    frame('1700-1', 'assistant', { text: 'Hello' }),
    frame('1700-2', 'assistant', { text: ', ' }),
    frame('1700-3', 'assistant', { text: 'world' }),
    frame('1700-4', 'result', { runId: 'run-1', status: 'FINISHED', text: 'Hello, world' }),
  ];

  async *streamRun(
    _agentId: string,
    _runId: string,
    options: StreamRunOptions = {},
  ): AsyncGenerator<CursorFrame> {
    this.lastEventIds.push(options.lastEventId);
    const upTo = this.lastEventIds.length;
    yield frame(null, 'status', { runId: 'run-1', status: 'RUNNING' });
    for (const next of this.frames.slice(0, upTo + 1)) yield next;
    if (upTo + 1 < this.frames.length) yield frame(null, 'error', { code: 'stream_unavailable' });
  }

  async getRun(): Promise<Run> {
    return { id: 'run-1', agentId: 'bc-1', status: 'FINISHED', createdAt: '', updatedAt: '' };
  }
}

describe('RunExecutor', () => {
  it('records each frame once when Cursor replays frames it already sent, and settles the run', async () => {
    const raw = new FakeRawLog();
    const log = new SessionLog(raw.asSubjectLog(), 'sesn_1', 'lap.raw.sesn_1', {
      seq: 0,
      commandId: 'cmd_1',
      agentId: 'bc-1',
      runId: 'run-1',
      runState: 'live',
      lastCursorEventId: null,
    });
    const cursor = new ReplayingCursor();
    const executor = new RunExecutor(
      log,
      cursor as unknown as CursorClient,
      command,
      {
        streamIdleTimeoutMs: 5_000,
        retryBaseMs: 1,
        retryMaxDelayMs: 5,
        maxAttempts: 3,
        agentBusyTimeoutMs: 1_000,
      },
      new AbortController().signal,
    );
    await executor.execute();

    const recorded = raw.stored.flatMap((entry) => cursorFramesOf(entry.record)).flatMap((f) => f.id ?? []);
    expect(recorded).toEqual(['1700-1', '1700-2', '1700-3', '1700-4']);
    expect(raw.stored.at(-1)!.record).toMatchObject({
      kind: 'run.settled',
      status: 'FINISHED',
      source: 'result',
    });
    // Every reconnection resumed after the last frame recorded.
    expect(cursor.lastEventIds).toEqual([undefined, '1700-2', '1700-3']);
  });
});
