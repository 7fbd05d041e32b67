import type { CursorFrame, UserMessageCommand } from '@lap/contracts';
import {
  CursorApiError,
  isTerminalRunStatus,
  type CursorClient,
  type GitBranch,
  type Run,
} from '@lap/cursor-client';
import { sleep } from '@lap/messaging';
import { MAX_FRAMES_PER_RECORD, unrecordedFrames } from '../session-log/frame-records';
import type { SessionLog } from '../session-log/session-log';
import { backoffDelayMs } from './backoff';
import { StreamEndedEarlyError } from './stream-ended-early.error';
import { classifyFailure } from './upstream-failure';

export interface RunSettings {
  /** A run stream silent for longer than this (Cursor sends heartbeats) is treated as dropped. */
  streamIdleTimeoutMs: number;
  retryBaseMs: number;
  retryMaxDelayMs: number;
  /** Consecutive failed attempts (without progress) before the runner gives up on a call. */
  maxAttempts: number;
  /** How long a follow-up waits for the agent's previous run to end (409 agent_busy). */
  agentBusyTimeoutMs: number;
}

/**
 * The frame after which a connection has nothing more for the runner: the run's `result`, or Cursor's
 * way of saying "reconnect" (the run goes on).
 */
function endsConnection(frame: CursorFrame): boolean {
  return (
    frame.event === 'result' ||
    (frame.event === 'error' && (frame.data as { code?: string } | null)?.code === 'stream_unavailable')
  );
}

interface ResultData {
  status?: string;
  text?: string;
  git?: { branches?: GitBranch[] };
}

/**
 * Carries one user message through Cursor: creates the agent (first message) or a follow-up run,
 * then follows the run's stream to its terminal state, recording every frame in the session's raw
 * log. Resumable: it starts from whatever the log says already happened.
 */
export class RunExecutor {
  constructor(
    private readonly log: SessionLog,
    private readonly cursor: CursorClient,
    private readonly command: UserMessageCommand,
    private readonly settings: RunSettings,
    private readonly signal: AbortSignal,
    private readonly logger: { warn(message: string): void },
    private readonly now: () => string = () => new Date().toISOString(),
  ) {}

  async execute(): Promise<void> {
    const { commandId, text } = this.command;
    if (this.log.position.commandId !== commandId) {
      await this.log.append({ kind: 'message.taken', commandId, text, at: this.now() });
    }
    if (this.log.position.runState === 'settled') return;
    if (this.log.position.runState === 'none') await this.startRun();
    if (!this.log.position.interruptedBeforeRun) return this.followRun();
    const followed = new AbortController();
    const cancelling = this.cancelUntilOver(AbortSignal.any([this.signal, followed.signal]));
    try {
      await this.followRun();
    } finally {
      followed.abort();
      await cancelling;
    }
  }

  /**
   * The user interrupted while the run was being created, when there was nothing to cancel yet: cancels
   * it now, and again while Cursor answers with a server error or a rate limit and the run goes on. The
   * stream, followed meanwhile, tells how the run ended (CANCELLED, or over before the cancel).
   */
  private async cancelUntilOver(stop: AbortSignal): Promise<void> {
    const { agentId, runId } = this.log.position;
    for (let attempt = 1; !stop.aborted; attempt++) {
      try {
        await this.cursor.cancelRun(agentId!, runId!, { signal: stop });
        return;
      } catch (error) {
        // Already over: the stream's result says how it ended.
        if (stop.aborted || (error instanceof CursorApiError && error.code === 'run_not_cancellable')) return;
        const fatal = classifyFailure(error) === 'fatal';
        if (fatal || attempt === this.settings.maxAttempts) {
          this.logger.warn(
            `session ${this.command.sessionId}: Cursor refuses to cancel run ${runId}, interrupted while it was being created` +
              `${fatal ? '; it runs its course' : '; trying on'}: ${(error as Error).message}`,
          );
        }
        if (fatal) return;
        await sleep(this.delayFor(error, attempt), stop);
      }
    }
  }

  private async startRun(): Promise<void> {
    const { commandId, text, agent, environment } = this.command;
    const agentId = this.log.position.agentId;
    if (!agentId) {
      // Cursor v1 has no system-prompt field: the agent's instructions lead the first prompt.
      const prompt = agent.system ? `${agent.system}\n\n${text}` : text;
      const created = await this.withRetries(() =>
        this.cursor.createAgent(
          {
            prompt: { text: prompt },
            ...(agent.model ? { model: { id: agent.model } } : {}),
            repos: environment.repository
              ? [
                  {
                    url: environment.repository,
                    ...(environment.ref ? { startingRef: environment.ref } : {}),
                  },
                ]
              : [],
            autoCreatePR: environment.autoCreatePr,
            name: agent.name,
          },
          { signal: this.signal },
        ),
      );
      await this.log.append({
        kind: 'cursor.agent_created',
        commandId,
        agentId: created.agent.id,
        runId: created.run.id,
        at: this.now(),
      });
      return;
    }
    const busyUntil = Date.now() + this.settings.agentBusyTimeoutMs;
    const created = await this.withRetries(
      () => this.cursor.createRun(agentId, { prompt: { text } }, { signal: this.signal }),
      (error) => error instanceof CursorApiError && error.code === 'agent_busy' && Date.now() < busyUntil,
    );
    await this.log.append({
      kind: 'cursor.run_created',
      commandId,
      agentId,
      runId: created.run.id,
      at: this.now(),
    });
  }

  /**
   * Follows the run's stream to its `result`, across as many connections as it takes. A connection that
   * ends early (dropped, reset, stalled, `stream_unavailable`, a `done` without a `result`) is resumed
   * after the last recorded frame with `Last-Event-ID`, so no frame is recorded twice. Only a connection
   * that brought nothing new asks `GET run` whether the run is over: a run that ended while the stream
   * was down still has frames to replay, and they come first.
   */
  private async followRun(): Promise<void> {
    const agentId = this.log.position.agentId!;
    const runId = this.log.position.runId!;
    // Consecutive connections that failed or brought nothing new; any progress starts the count again.
    let fruitless = 0;
    while (!this.signal.aborted) {
      const connection = { progressed: false };
      let failure: unknown;
      try {
        if (await this.followConnection(agentId, runId, connection)) return;
        if (!connection.progressed) {
          if (await this.settleIfTerminal(agentId, runId)) return;
          failure = new StreamEndedEarlyError(runId);
        }
      } catch (error) {
        if (this.signal.aborted) return;
        if (error instanceof CursorApiError && error.status === 410) {
          // Past Cursor's stream retention: the run itself still knows how it ended.
          await this.settleFromRun(runId, await this.waitForTerminalRun(agentId, runId));
          return;
        }
        if (error instanceof CursorApiError && error.code === 'invalid_last_event_id') {
          if (await this.settleIfTerminal(agentId, runId)) return;
          throw error;
        }
        if (classifyFailure(error) === 'fatal') throw error;
        failure = error;
      }
      fruitless = connection.progressed ? 1 : fruitless + 1;
      if (fruitless > this.settings.maxAttempts) throw failure;
      await sleep(this.delayFor(failure, fruitless), this.signal);
    }
  }

  /**
   * One stream connection: records the frames as they come, all those that arrived meanwhile at once.
   * True once the run settled from its `result`; false when the connection ended first (the caller
   * resumes). `progressed` tells whether it brought anything beyond the status frame every connection
   * starts with.
   */
  private async followConnection(
    agentId: string,
    runId: string,
    connection: { progressed: boolean },
  ): Promise<boolean> {
    const frames = await this.cursor.openRunStream(agentId, runId, {
      lastEventId: this.log.position.lastCursorEventId ?? undefined,
      idleTimeoutMs: this.settings.streamIdleTimeoutMs,
      signal: this.signal,
      readAhead: MAX_FRAMES_PER_RECORD,
    });
    try {
      for (let batch = await frames.take(); batch.length > 0; batch = await frames.take()) {
        // Shutting down: what is read and not recorded yet comes again on the next connection.
        this.signal.throwIfAborted();
        // Nothing after a frame that ends the connection is recorded from this one.
        const end = batch.findIndex(endsConnection);
        const taken = end === -1 ? batch : batch.slice(0, end + 1);
        const fresh = unrecordedFrames(taken, this.log.position.lastCursorEventId);
        await this.log.appendFrames(runId, fresh, this.now());
        if (fresh.some((frame) => frame.id !== null || frame.event === 'heartbeat')) {
          connection.progressed = true;
        }
        if (end === -1) continue;
        const ending = taken[end];
        if (ending.event === 'result') {
          await this.settleFromResult(agentId, runId, (ending.data ?? {}) as ResultData);
          return true;
        }
        return false;
      }
      return false;
    } finally {
      frames.close();
    }
  }

  private async settleFromResult(agentId: string, runId: string, result: ResultData): Promise<void> {
    let branches = result.git?.branches;
    if (!branches?.length) {
      // The pull request URL may only be on the run (Cursor fills `git` in after the result frame).
      branches = await this.cursor
        .getRun(agentId, runId, { signal: this.signal })
        .then((run) => run.git?.branches)
        .catch(() => undefined);
    }
    await this.log.append({
      kind: 'run.settled',
      commandId: this.command.commandId,
      runId,
      status: result.status ?? 'FINISHED',
      source: 'result',
      ...(result.text ? { text: result.text } : {}),
      ...(branches?.length ? { branches } : {}),
      at: this.now(),
    });
  }

  private async settleIfTerminal(agentId: string, runId: string): Promise<boolean> {
    const run = await this.withRetries(() => this.cursor.getRun(agentId, runId, { signal: this.signal }));
    if (!isTerminalRunStatus(run.status)) return false;
    await this.settleFromRun(runId, run);
    return true;
  }

  private async waitForTerminalRun(agentId: string, runId: string): Promise<Run> {
    for (;;) {
      const run = await this.withRetries(() => this.cursor.getRun(agentId, runId, { signal: this.signal }));
      if (isTerminalRunStatus(run.status) || this.signal.aborted) return run;
      await sleep(this.settings.retryMaxDelayMs, this.signal);
    }
  }

  private async settleFromRun(runId: string, run: Run): Promise<void> {
    await this.log.append({
      kind: 'run.settled',
      commandId: this.command.commandId,
      runId,
      status: run.status,
      source: 'get_run',
      ...(run.result ? { text: run.result } : {}),
      ...(run.git?.branches?.length ? { branches: run.git.branches } : {}),
      at: this.now(),
    });
  }

  /** Retries transient failures (and whatever `alsoRetry` accepts) with backoff, up to the bound. */
  private async withRetries<T>(
    call: () => Promise<T>,
    alsoRetry: (error: unknown) => boolean = () => false,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (this.signal.aborted) throw error;
        const extra = alsoRetry(error);
        if (!extra && (classifyFailure(error) === 'fatal' || attempt >= this.settings.maxAttempts))
          throw error;
        await sleep(this.delayFor(error, extra ? Math.min(attempt, 4) : attempt), this.signal);
      }
    }
  }

  /** Cursor's own `Retry-After` on a 429, else exponential backoff with jitter, capped. */
  private delayFor(error: unknown, attempt: number): number {
    if (error instanceof CursorApiError && error.status === 429 && error.retryAfterMs !== undefined) {
      return error.retryAfterMs;
    }
    return backoffDelayMs(attempt, this.settings.retryBaseMs, this.settings.retryMaxDelayMs);
  }
}
