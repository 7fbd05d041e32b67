import { CursorClient } from '@lap/cursor-client';
import {
  sessionCommandSchema,
  type NatsNames,
  type RawRecord,
  type SessionCommand,
  type UserInterruptCommand,
  type UserMessageCommand,
} from '@lap/contracts';
import {
  DUPLICATE_WINDOW_MS,
  FencedError,
  isTransientNatsError,
  RpcCallError,
  type StoredRecord,
  type SubjectLog,
  type WorkItem,
} from '@lap/messaging';
import type { CredentialsResolver, ResolvedCredential } from '../credentials/credentials-resolver';
import type { SessionControl } from '../control/session-control';
import type { SessionLog } from '../session-log/session-log';
import type { SessionLogRepository } from '../session-log/session-log.repository';
import type { SessionPosition } from '../session-log/session-position';
import { RunExecutor, type RunSettings } from '../runs/run-executor';
import { describeFailure } from '../runs/upstream-failure';

export interface ProcessorLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface CommandProcessorDeps {
  names: NatsNames;
  commands: SubjectLog;
  sessionLogs: SessionLogRepository;
  credentials: CredentialsResolver;
  control: SessionControl;
  settings: RunSettings;
  logger: ProcessorLogger;
  /** How long a command waits before another look when an earlier one of its session is in progress. */
  queueRetryMs: number;
  /** On shutdown, how long a Cursor create call under way may take to be recorded before the run stops. */
  createGraceMs: number;
  /** How long after an interrupt was issued a holder that does not answer it is taken for gone. */
  holderSilenceMs: number;
  cursorClient?: (credential: ResolvedCredential) => CursorClient;
}

/**
 * Executes session commands taken from the work queue. The command stays un-acked (its lease) while
 * its run is live; it is acked once the run's outcome is in the raw log, nak-ed at once on shutdown
 * so another runner resumes it, and left alone if another runner fenced this one out.
 */
export class CommandProcessor {
  private readonly clientFor: (credential: ResolvedCredential) => CursorClient;

  constructor(private readonly deps: CommandProcessorDeps) {
    this.clientFor = deps.cursorClient ?? ((c) => new CursorClient({ apiBase: c.apiBase, apiKey: c.apiKey }));
  }

  async handle(item: WorkItem, shutdown: AbortSignal): Promise<void> {
    const parsed = sessionCommandSchema.safeParse(safeJson(item));
    if (!parsed.success) {
      this.deps.logger.error(`dropping malformed command ${item.subject}#${item.seq}`);
      item.term('malformed command');
      return;
    }
    const command: SessionCommand = parsed.data;
    try {
      if (command.type === 'user.interrupt') {
        if ((await this.interrupt(command, item)) === 'not_yet') return item.nak(this.deps.queueRetryMs);
      } else {
        if (!(await this.isNextInQueue(item, command))) return item.nak(this.deps.queueRetryMs);
        // Delivered by a consumer made after it was stored (see CommandQueueRepair): it may have run, or
        // be running on the runner the earlier consumer gave it to.
        if (item.storedBeforeConsumer) {
          const standing = await this.commandStanding(command);
          // Another run of its session is under way, or this one still is, where it was: told once over.
          if (standing === 'unknown_yet') return item.nak(this.deps.queueRetryMs);
          if (standing === 'not_done' && (await this.deps.control.isHeld(command.sessionId)))
            return item.nak(this.deps.queueRetryMs);
          if (standing === 'not_done') await this.run(command, item.seq, shutdown);
        } else {
          await this.run(command, item.seq, shutdown);
        }
      }
      if (shutdown.aborted) return item.nak(0);
      await this.acknowledge(item, command);
    } catch (error) {
      if (error instanceof FencedError) {
        // Another runner took this session over (our lease lapsed): it owns the command now.
        this.deps.logger.warn(`session ${command.sessionId}: fenced out by another runner; stopping`);
        return;
      }
      if (shutdown.aborted) return item.nak(0);
      if (isTemporary(error)) {
        // NATS or the credentials service (or its database) is away for now: soon again, not after a
        // backoff grown by every time this command waited its turn behind an earlier one.
        this.deps.logger.warn(
          `session ${command.sessionId}: ${(error as Error).message}; trying again in ${this.deps.queueRetryMs} ms`,
        );
        return item.nak(this.deps.queueRetryMs);
      }
      throw error;
    }
  }

  /**
   * Messages of one session run one after another: only the oldest pending one goes. A command ahead
   * of it that the session's raw log shows done is a leftover (see `standing`) and is removed, so it
   * cannot hold the session up.
   */
  private async isNextInQueue(item: WorkItem, command: UserMessageCommand): Promise<boolean> {
    for (;;) {
      const head = await this.deps.commands.next<unknown>(item.subject, 0);
      if (!head || head.seq >= item.seq) return true;
      // One read of where the session stands serves both questions below (the head is of the same session).
      const { position } = await this.deps.sessionLogs.open(command.sessionId);
      if ((await this.standing(head, position)) === 'done') {
        await this.removeLeftover(head);
        continue;
      }
      // The log has this one under way already (a command back in the queue after a crash sits ahead
      // of it, and waits for its run to end): it resumes, or nothing ends that run.
      return position.commandId === command.commandId;
    }
  }

  /**
   * Removes every queued command that is a settled leftover; returns how many. For the ones no later
   * command of their session waits behind.
   */
  async removeSettledLeftovers(): Promise<number> {
    let removed = 0;
    for (
      let queued = await this.deps.commands.next<unknown>(this.deps.names.allCommands, 0);
      queued;
      queued = await this.deps.commands.next<unknown>(this.deps.names.allCommands, queued.seq + 1)
    ) {
      if ((await this.standing(queued)) === 'done') {
        await this.removeLeftover(queued);
        removed++;
      }
    }
    return removed;
  }

  /**
   * Where a queued command stands by its session's raw log. `done`: a message taken and its run over
   * (settled, or a later message taken since), an interrupt recorded and its run over. nats-server 2.9
   * can come back from a restart with such a command in the stream, and a consumer made again delivers
   * it once more. An interrupt recorded while its run goes on is not done: its cancel failed, and it
   * waits to be delivered again. `unknown_yet`: a message while another message's run is under way;
   * whether it ran before that one is read from the log once that run is over, not on every look.
   */
  async standing(queued: StoredRecord<unknown>, known?: SessionPosition): Promise<CommandStanding> {
    const parsed = sessionCommandSchema.safeParse(queued.data);
    return parsed.success ? this.commandStanding(parsed.data, known) : 'not_done';
  }

  /** `known`: the session's position, when the caller has read it already. */
  private async commandStanding(command: SessionCommand, known?: SessionPosition): Promise<CommandStanding> {
    const positionNow = async () => known ?? (await this.deps.sessionLogs.open(command.sessionId)).position;
    if (command.type === 'user.interrupt') {
      const recorded = await this.takenRecord(command);
      if (!recorded) return 'not_done';
      const position = await positionNow();
      return position.runState === 'live' && position.runId === recorded.runId ? 'not_done' : 'done';
    }
    return this.messageStanding(command, await positionNow());
  }

  private async messageStanding(
    command: UserMessageCommand,
    position: SessionPosition,
  ): Promise<CommandStanding> {
    if (position.commandId === command.commandId)
      return position.runState === 'settled' ? 'done' : 'not_done';
    if (position.commandId === null) return 'not_done';
    if (position.runState !== 'settled') return 'unknown_yet';
    return (await this.takenRecord(command)) ? 'done' : 'not_done';
  }

  /** Its `message.taken` or `interrupt.taken` in the raw log, looked for from shortly before it was issued. */
  private async takenRecord<C extends SessionCommand>(command: C): Promise<TakenRecord<C> | undefined> {
    const issuedAt = Date.parse(command.issuedAt);
    if (Number.isNaN(issuedAt)) return undefined;
    const since = new Date(issuedAt - CLOCK_SKEW_MS);
    const kind = command.type === 'user.interrupt' ? 'interrupt.taken' : 'message.taken';
    for await (const { data } of this.deps.sessionLogs.recordsSince(command.sessionId, since)) {
      if (data.kind === kind && data.commandId === command.commandId) return data as TakenRecord<C>;
    }
    return undefined;
  }

  private async removeLeftover(queued: StoredRecord<unknown>): Promise<void> {
    if (await this.deps.commands.remove(queued.seq)) {
      this.deps.logger.warn(
        `removed command #${queued.seq} on ${queued.subject}: the raw log shows it done, yet a NATS restart left it queued`,
      );
    }
  }

  /**
   * Acknowledges a command done, unless its sequence now holds another command: after a NATS crash the
   * stream's sequence can go back and a new command be stored under a sequence this one had, which the
   * ack would remove. Left unsettled instead, the sequence is delivered again once its lease lapses,
   * with the new command in it.
   */
  private async acknowledge(item: WorkItem, command: SessionCommand): Promise<void> {
    const stored = await this.deps.commands.at<Partial<SessionCommand>>(item.seq);
    if (stored && stored.data.commandId !== command.commandId) {
      this.deps.logger.warn(
        `command #${item.seq} on ${item.subject} is done, but its sequence now holds another command; leaving it to be delivered`,
      );
      return;
    }
    await item.ack();
  }

  /** Executes a message; `queuedSeq`: its sequence in the command queue. */
  private async run(command: UserMessageCommand, queuedSeq: number, shutdown: AbortSignal): Promise<void> {
    // Held before the log is read: an interrupt sent from now on finds this runner, never "nobody",
    // whose requester would record it at the log's head and fence this run out.
    const held: { log?: SessionLog; credential?: ResolvedCredential } = {};
    const release = await this.deps.control.hold(command.sessionId, {
      interrupt: async (commandId, record, interruptSeq) => {
        const log = held.log;
        // Sent after this message, before the message is taken: recorded now, it would come first in
        // the log and stop nothing. Once the message is taken it stops its run, even one being created.
        const sentAfter = interruptSeq === undefined || interruptSeq > queuedSeq;
        if (!log || (sentAfter && log.position.commandId !== command.commandId)) return 'not_yet';
        await this.interruptHeld(log, commandId, record, held.credential);
        return 'done';
      },
    });
    try {
      const log = (held.log = await this.deps.sessionLogs.open(command.sessionId));
      if (log.position.commandId === command.commandId && log.position.runState === 'settled') return;
      held.credential = await this.deps.credentials
        .resolve(command.ownerId)
        .catch(async (error: Error & { type?: string }) => {
          if (error.type !== 'not_found') throw error;
          await this.recordFailure(log, command, 'authentication_error', error.message);
          return undefined;
        });
      if (held.credential) await this.execute(log, command, held.credential, shutdown);
    } finally {
      release();
    }
  }

  private async execute(
    log: SessionLog,
    command: UserMessageCommand,
    credential: ResolvedCredential,
    shutdown: AbortSignal,
  ): Promise<void> {
    const runAbort = new AbortController();
    const stopRun = () => this.abortOutsideCreate(log, command, runAbort);
    shutdown.addEventListener('abort', stopRun, { once: true });
    try {
      const executor = new RunExecutor(
        log,
        this.clientFor(credential),
        command,
        this.deps.settings,
        runAbort.signal,
        this.deps.logger,
      );
      await executor.execute();
    } catch (error) {
      // Lost the session, shutting down, or NATS away: not Cursor's failure, so not the user's either.
      // The command goes back (or stays with the runner that took it) and resumes from the raw log.
      if (error instanceof FencedError || runAbort.signal.aborted || isTransientNatsError(error)) throw error;
      const failure = describeFailure(error, credential.apiBase);
      this.deps.logger.warn(`session ${command.sessionId}: giving up: ${failure.message}`);
      await this.recordFailure(log, command, failure.type, failure.message);
    } finally {
      shutdown.removeEventListener('abort', stopRun);
    }
  }

  /**
   * Stops the run for a shutdown, but not in the middle of Cursor's create call: an agent created and
   * never recorded is orphaned (Cursor v1 has no idempotency key), so a call under way gets a bounded
   * moment to land in the raw log first.
   */
  private abortOutsideCreate(log: SessionLog, command: UserMessageCommand, run: AbortController): void {
    const creating = () => log.position.commandId === command.commandId && log.position.runState === 'none';
    if (!creating()) return run.abort();
    const giveUpAt = Date.now() + this.deps.createGraceMs;
    const check = setInterval(() => {
      if (creating() && Date.now() < giveUpAt && !run.signal.aborted) return;
      clearInterval(check);
      run.abort();
    }, 50).unref();
  }

  private async recordFailure(log: SessionLog, command: UserMessageCommand, type: string, message: string) {
    if (log.position.commandId !== command.commandId) {
      await log.append({
        kind: 'message.taken',
        commandId: command.commandId,
        text: command.text,
        at: now(),
      });
    }
    await log.append({
      kind: 'runner.error',
      commandId: command.commandId,
      error: { type, message },
      at: now(),
    });
  }

  /** The runner holding the session records the interrupt in its own sequence and cancels the run. */
  private async interruptHeld(
    log: SessionLog,
    commandId: string,
    record: boolean,
    credential?: ResolvedCredential,
  ): Promise<void> {
    if (record) await log.appendInterrupt(commandId, now());
    await this.cancelLiveRun(log, credential);
  }

  /** `not_yet`: the message it is meant to stop is not taken yet; handed back to be tried shortly. */
  private async interrupt(command: UserInterruptCommand, item: WorkItem): Promise<'done' | 'not_yet'> {
    // A repeat (Cursor's cancel failed, the runner died before acknowledging, or the consumer was made
    // again after an outage) can come after the duplicate window, when the raw log would store a second
    // `interrupt.taken`. Recorded already, it only cancels the run it was recorded against, and only
    // while that run goes on: a later message's run is not its to stop.
    const mayBeRepeat =
      item.deliveryCount > 1 ||
      item.storedBeforeConsumer ||
      Date.now() - Date.parse(command.issuedAt) >= REPEAT_AGE_MS;
    const recorded = mayBeRepeat ? await this.takenRecord(command) : undefined;
    if (recorded) {
      const { position } = await this.deps.sessionLogs.open(command.sessionId);
      if (!(position.runState === 'live' && position.runId === recorded.runId)) return 'done';
    }
    const record = !recorded;
    const answer = await this.deps.control.requestInterrupt(command.sessionId, {
      commandId: command.commandId,
      record,
      queuedSeq: item.seq,
    });
    if (answer === 'done' || answer === 'not_yet') return answer;
    if (answer === 'failed') {
      // Its runner logged why; the command comes back after a backoff, to whoever holds the session then.
      throw new Error(`session ${command.sessionId}: the runner holding it could not interrupt the run`);
    }
    // Silent for longer than a lease, a holder has lost the session by now (frozen, cut off, or a runner
    // of the previous version, which listens on every session's subject and so never lets "nobody" out).
    if (answer === 'no_answer' && Date.now() - Date.parse(command.issuedAt) < this.deps.holderSilenceMs) {
      // Busy (its appends or Cursor's cancel slow) or NATS away: asked again after a backoff.
      throw new Error(
        `session ${command.sessionId}: the runner holding it did not answer the interrupt in time`,
      );
    }
    // Nobody holds the session (idle, or its runner died and the lease has not moved yet): record it here.
    const log = await this.deps.sessionLogs.open(command.sessionId);
    if (log.position.commandId !== null && log.position.runState === 'none') {
      // A message taken, its Cursor run being created: its runner holds the session any moment (or the
      // run is resumed after its lease). Recording here would fence it out mid-create.
      throw new Error(`session ${command.sessionId}: its run is being created; asking again`);
    }
    // No run going, and a message sent before the interrupt still to be taken: the interrupt is that
    // message's to stop. Recorded now, it would come first (stopping nothing) and fence its runner out.
    if (
      answer === 'nobody' &&
      log.position.runState !== 'live' &&
      (await this.messageToTakeBefore(item, log.position))
    )
      return 'not_yet';
    try {
      if (record) await log.appendInterrupt(command.commandId, now());
    } catch (error) {
      // Another runner wrote to the session meanwhile: it holds it now, and is asked after a backoff.
      if (error instanceof FencedError)
        throw new Error(`session ${command.sessionId}: taken meanwhile; asking again`);
      throw error;
    }
    if (log.position.runState === 'live') {
      await this.cancelLiveRun(log, await this.deps.credentials.resolve(command.ownerId));
    }
    return 'done';
  }

  /**
   * Whether a message of the session queued ahead of the interrupt `item` is still to be taken, by the
   * session's `position` (no run live).
   */
  private async messageToTakeBefore(item: WorkItem, position: SessionPosition): Promise<boolean> {
    for (
      let queued = await this.deps.commands.next<unknown>(item.subject, 0);
      queued && queued.seq < item.seq;
      queued = await this.deps.commands.next<unknown>(item.subject, queued.seq + 1)
    ) {
      const parsed = sessionCommandSchema.safeParse(queued.data);
      if (parsed.success && parsed.data.type === 'user.message') {
        if ((await this.messageStanding(parsed.data, position)) === 'not_done') return true;
      }
    }
    return false;
  }

  private async cancelLiveRun(log: SessionLog, credential?: ResolvedCredential): Promise<void> {
    const { agentId, runId, runState } = log.position;
    if (runState !== 'live' || !agentId || !runId || !credential) return;
    await this.clientFor(credential)
      .cancelRun(agentId, runId)
      .catch((error: { code?: string }) => {
        // Already over: the stream's result says how it ended.
        if (error.code !== 'run_not_cancellable') throw error;
      });
  }
}

function isTemporary(error: unknown): boolean {
  return (error instanceof RpcCallError && error.type === 'unavailable') || isTransientNatsError(error);
}

function safeJson(item: WorkItem): unknown {
  try {
    return item.json();
  } catch {
    return undefined;
  }
}

const now = () => new Date().toISOString();

export type CommandStanding = 'done' | 'not_done' | 'unknown_yet';

type TakenRecord<C extends SessionCommand> = Extract<
  RawRecord,
  { kind: C extends UserInterruptCommand ? 'interrupt.taken' : 'message.taken' }
>;

/** How far the gateway's clock (a command's `issuedAt`) may be ahead of JetStream's. */
const CLOCK_SKEW_MS = 60_000;

/**
 * A command a repeat of which can come after the duplicate window is at least this old by the
 * gateway's clock, given the skew allowed.
 */
const REPEAT_AGE_MS = DUPLICATE_WINDOW_MS - CLOCK_SKEW_MS;
