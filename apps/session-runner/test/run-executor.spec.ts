import { cursorFramesOf, Header, type CursorFrame, type UserMessageCommand } from '@lap/contracts';
import {
  CursorApiError,
  type CursorClient,
  type Run,
  type RunFrameStream,
  type StreamRunOptions,
} from '@lap/cursor-client';
import { RunExecutor } from '../src/runs/run-executor';
import { SessionLog } from '../src/session-log/session-log';
import type { SessionPosition } from '../src/session-log/session-position';
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

/** A run's stream over frames as the test makes them, taken one at a time. */
function frameStream(frames: AsyncGenerator<CursorFrame>): Pick<RunFrameStream, 'take' | 'close'> {
  return {
    take: async () => {
      const next = await frames.next();
      return next.done ? [] : [next.value];
    },
    close: () => void frames.return(undefined),
  };
}

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

  async openRunStream(_agentId: string, _runId: string, options: StreamRunOptions = {}) {
    this.lastEventIds.push(options.lastEventId);
    return frameStream(this.replay());
  }

  private async *replay(): AsyncGenerator<CursorFrame> {
    const upTo = this.lastEventIds.length;
    yield frame(null, 'status', { runId: 'run-1', status: 'RUNNING' });
    for (const next of this.frames.slice(0, upTo + 1)) yield next;
    if (upTo + 1 < this.frames.length) yield frame(null, 'error', { code: 'stream_unavailable' });
  }

  async getRun(): Promise<Run> {
    return { id: 'run-1', agentId: 'bc-1', status: 'FINISHED', createdAt: '', updatedAt: '' };
  }
}

/**
 * A Cursor whose runs finish unless cancelled first; `cancelRun` answers `run_not_cancellable` once the
 * run is over.
 */
class CancellableCursor {
  readonly calls: string[] = [];
  private cancelled = false;
  private refusals: number;

  /** `refusals`: how many cancels are answered 503 before one is taken. */
  constructor({ refusals = 0 } = {}) {
    this.refusals = refusals;
  }

  async createAgent(): Promise<{ agent: { id: string }; run: { id: string } }> {
    this.calls.push('createAgent');
    return { agent: { id: 'bc-1' }, run: { id: 'run-1' } };
  }

  async cancelRun(agentId: string, runId: string): Promise<{ id: string }> {
    this.calls.push(`cancelRun ${agentId} ${runId}`);
    if (this.refusals-- > 0) throw new CursorApiError(503, 'internal_error', 'Try again');
    if (this.cancelled) throw new CursorApiError(409, 'run_not_cancellable', 'The run is over');
    this.cancelled = true;
    return { id: runId };
  }

  /** The run streams a frame every millisecond for 200 ms, or until it is cancelled. */
  async openRunStream() {
    this.calls.push('openRunStream');
    return frameStream(this.run());
  }

  private async *run(): AsyncGenerator<CursorFrame> {
    yield frame(null, 'status', { runId: 'run-1', status: 'RUNNING' });
    for (let i = 1; i <= 200 && !this.cancelled; i++) {
      yield frame(`1700-${i}`, 'assistant', { text: '.' });
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const status = this.cancelled ? 'CANCELLED' : 'FINISHED';
    yield frame('1700-999', 'result', { runId: 'run-1', status });
  }

  async getRun(): Promise<Run> {
    return { id: 'run-1', agentId: 'bc-1', status: 'FINISHED', createdAt: '', updatedAt: '' };
  }
}

/** A Cursor whose run's frames all arrive in one read: a batch with frames after the `result`. */
class BurstingCursor {
  readonly connections: number[] = [];

  async openRunStream(): Promise<Pick<RunFrameStream, 'take' | 'close'>> {
    this.connections.push(this.connections.length + 1);
    const batches = [
      [
        frame(null, 'status', { runId: 'run-1', status: 'RUNNING' }),
        frame('1700-1', 'assistant', { text: 'Done' }),
        frame('1700-2', 'result', { runId: 'run-1', status: 'FINISHED', text: 'Done' }),
        frame(null, 'done', { runId: 'run-1' }),
        frame('1700-3', 'assistant', { text: 'after the end' }),
      ],
    ];
    return { take: async () => batches.shift() ?? [], close: () => undefined };
  }

  async getRun(): Promise<Run> {
    return { id: 'run-1', agentId: 'bc-1', status: 'FINISHED', createdAt: '', updatedAt: '' };
  }
}

const warnings: string[] = [];

/** The session's raw log, its runner's position in it as given (by default, message cmd_1 taken). */
function openLog(position: Partial<SessionPosition> = {}): { raw: FakeRawLog; log: SessionLog } {
  const raw = new FakeRawLog();
  const log = new SessionLog(raw.asSubjectLog(), 'sesn_1', 'lap.raw.sesn_1', {
    seq: 0,
    commandId: 'cmd_1',
    agentId: null,
    runId: null,
    runState: 'none',
    lastCursorEventId: null,
    interruptedBeforeRun: false,
    ...position,
  });
  return { raw, log };
}

function executorFor(log: SessionLog, cursor: object): RunExecutor {
  return new RunExecutor(
    log,
    cursor as CursorClient,
    command,
    {
      streamIdleTimeoutMs: 5_000,
      retryBaseMs: 1,
      retryMaxDelayMs: 5,
      maxAttempts: 3,
      agentBusyTimeoutMs: 1_000,
    },
    new AbortController().signal,
    { warn: (message) => warnings.push(message) },
  );
}

describe('RunExecutor', () => {
  beforeEach(() => {
    warnings.length = 0;
  });

  it('records each frame once when Cursor replays frames it already sent, and settles the run', async () => {
    const { raw, log } = openLog({ agentId: 'bc-1', runId: 'run-1', runState: 'live' });
    const cursor = new ReplayingCursor();
    await executorFor(log, cursor).execute();

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

  it("records nothing a connection brings after the run's result, and settles on the result", async () => {
    const { raw, log } = openLog({ agentId: 'bc-1', runId: 'run-1', runState: 'live' });
    const cursor = new BurstingCursor();
    await executorFor(log, cursor).execute();

    const recorded = raw.stored.flatMap((entry) => cursorFramesOf(entry.record)).map((f) => f.event);
    expect(recorded).toEqual(['status', 'assistant', 'result']);
    expect(raw.stored.at(-1)!.record).toMatchObject({ kind: 'run.settled', source: 'result' });
    expect(cursor.connections).toEqual([1]);
  });

  it('cancels a run interrupted while it was being created, as soon as the run exists', async () => {
    // The message taken, then the interrupt, both before Cursor answered the create call.
    const { raw, log } = openLog({ interruptedBeforeRun: true });
    const cursor = new CancellableCursor();
    await executorFor(log, cursor).execute();

    expect(cursor.calls).toEqual(['createAgent', 'cancelRun bc-1 run-1', 'openRunStream']);
    expect(raw.stored.at(-1)!.record).toMatchObject({ kind: 'run.settled', status: 'CANCELLED' });
    // The run's records carry the interrupt, for a runner resuming it; settled, the session is clear.
    expect(raw.stored[0].headers[Header.InterruptedBeforeRun]).toBe('true');
    expect(raw.stored.at(-1)!.headers[Header.InterruptedBeforeRun]).toBeUndefined();
  });

  it('cancels again when it resumes such a run, and takes "not cancellable" for a run already over', async () => {
    const { raw, log } = openLog({
      agentId: 'bc-1',
      runId: 'run-1',
      runState: 'live',
      interruptedBeforeRun: true,
    });
    const cursor = new CancellableCursor();
    await cursor.cancelRun('bc-1', 'run-1'); // by the runner that created it, before it died
    await executorFor(log, cursor).execute();

    expect(cursor.calls).toEqual(['cancelRun bc-1 run-1', 'cancelRun bc-1 run-1', 'openRunStream']);
    expect(raw.stored.at(-1)!.record).toMatchObject({ kind: 'run.settled', status: 'CANCELLED' });
    expect(warnings).toEqual([]);
  });

  it('keeps cancelling such a run while Cursor refuses, and the run goes on meanwhile', async () => {
    const { raw, log } = openLog({ interruptedBeforeRun: true });
    const cursor = new CancellableCursor({ refusals: 5 });
    await executorFor(log, cursor).execute();

    // Five refusals: past the three attempts a call gets, and it tried on.
    expect(cursor.calls.filter((call) => call.startsWith('cancelRun'))).toHaveLength(6);
    expect(warnings).toEqual([expect.stringMatching(/refuses to cancel run run-1.*trying on/)]);
    expect(raw.stored.at(-1)!.record).toMatchObject({ kind: 'run.settled', status: 'CANCELLED' });
  });

  it('runs a message nobody interrupted without cancelling it', async () => {
    const { raw, log } = openLog();
    const cursor = new CancellableCursor();
    await executorFor(log, cursor).execute();
    expect(cursor.calls).toEqual(['createAgent', 'openRunStream']);
    expect(raw.stored.at(-1)!.record).toMatchObject({ kind: 'run.settled', status: 'FINISHED' });
  });
});
