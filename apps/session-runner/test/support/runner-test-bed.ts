import type { RawRecord, SessionCommand, UserMessageCommand } from '@lap/contracts';
import { createEmulatorApp, type EmulatorAppOptions, type RunningEmulator } from '@lap/cursor-emulator';
import { ensureStreams, readSubjectRange, SubjectLog, type RpcServer } from '@lap/messaging';
import {
  runnerConfigSchema,
  startSessionRunner,
  type RunnerConfig,
  type RunningSessionRunner,
} from '@lap/session-runner';
import { createTestNats, type TestNats } from '@lap/testing';
import { CommandProcessor, type CommandProcessorDeps } from '../../src/commands/command-processor';
import { SessionLogRepository } from '../../src/session-log/session-log.repository';
import { serveCursorKeys } from './credentials-stand-in';

export interface StoredRawRecord {
  record: RawRecord;
  headers: Record<string, string>;
  seq: number;
}

/**
 * What a runner works with, real but private to one suite: a NATS prefix with the command queue and
 * the raw log, the Cursor emulator, and a stand-in credentials service handing out `keys`. Runners
 * are started on it when the suite asks, and everything is closed together.
 */
export class RunnerTestBed {
  private readonly runners: RunningSessionRunner[] = [];

  private constructor(
    readonly nats: TestNats,
    readonly emulator: RunningEmulator,
    readonly commands: SubjectLog,
    readonly raw: SubjectLog,
    private readonly credentials: RpcServer,
  ) {}

  static async open(
    label: string,
    keys: Record<string, string>,
    emulatorOptions: EmulatorAppOptions = {},
  ): Promise<RunnerTestBed> {
    const nats = await createTestNats(label);
    const emulator = await createEmulatorApp({ port: 0, ...emulatorOptions });
    await ensureStreams(nats.client.jsm, nats.names, ['commands', 'raw']);
    return new RunnerTestBed(
      nats,
      emulator,
      new SubjectLog(nats.client, nats.names.streams.commands),
      new SubjectLog(nats.client, nats.names.streams.raw),
      serveCursorKeys(nats, emulator.url, keys),
    );
  }

  /** A runner's configuration for this bed; `env` adds or overrides variables. */
  runnerConfig(env: Record<string, string | number> = {}): RunnerConfig {
    return runnerConfigSchema.parse({
      NATS_URL: this.nats.url,
      LAP_PREFIX: this.nats.prefix,
      RUNNER_PORT: 0,
      LOG_LEVEL: 'error',
      ...env,
    });
  }

  async startRunner(config = this.runnerConfig()): Promise<RunningSessionRunner> {
    const runner = await startSessionRunner(config);
    this.runners.push(runner);
    return runner;
  }

  /**
   * A command processor on this bed's queue and raw logs, logging nothing; `deps` adds what the test
   * needs of the rest (stand-ins are enough: only what the test drives is called).
   */
  processor(deps: Partial<Record<keyof CommandProcessorDeps, unknown>> = {}): CommandProcessor {
    return new CommandProcessor({
      names: this.nats.names,
      commands: this.commands,
      sessionLogs: new SessionLogRepository(this.raw, this.nats.names),
      logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
      ...deps,
    } as CommandProcessorDeps);
  }

  /** Queues a command as the gateway does; resolves to its sequence in the work queue. */
  async send(command: SessionCommand): Promise<number> {
    const subject = this.nats.names.command(command.sessionId);
    return (await this.commands.append(subject, command, { msgId: command.commandId })).seq;
  }

  /** Records a message taken and its run over in the session's raw log, as a runner would have. */
  async recordSettled(command: UserMessageCommand): Promise<void> {
    const log = await new SessionLogRepository(this.raw, this.nats.names).open(command.sessionId);
    const at = new Date().toISOString();
    await log.append({ kind: 'message.taken', commandId: command.commandId, text: command.text, at });
    await log.append({
      kind: 'runner.error',
      commandId: command.commandId,
      error: { type: 'api_error', message: 'settled before the restart' },
      at,
    });
  }

  /** Records a message taken and its Cursor run created (`run-of-<text>`), as a runner executing it would have. */
  async recordLive(command: UserMessageCommand): Promise<void> {
    const log = await new SessionLogRepository(this.raw, this.nats.names).open(command.sessionId);
    const at = new Date().toISOString();
    await log.append({ kind: 'message.taken', commandId: command.commandId, text: command.text, at });
    const run = { commandId: command.commandId, agentId: 'bc-live', runId: `run-of-${command.text}`, at };
    await log.append({ kind: 'cursor.run_created', ...run });
  }

  /** Records an interrupt taken in the session's raw log, as a runner would have. */
  async recordInterrupt(command: SessionCommand, runId: string | null = null): Promise<void> {
    const log = await new SessionLogRepository(this.raw, this.nats.names).open(command.sessionId);
    await log.append({
      kind: 'interrupt.taken',
      commandId: command.commandId,
      runId,
      at: new Date().toISOString(),
    });
  }

  /** Every record of a session's raw log, oldest first. */
  async rawRecords(sessionId: string): Promise<StoredRawRecord[]> {
    const subject = this.nats.names.raw(sessionId);
    const last = await this.raw.last(subject);
    const records: StoredRawRecord[] = [];
    if (!last) return records;
    const stored = readSubjectRange<RawRecord>(this.nats.client.js, this.raw.stream, subject, 0, last.seq);
    for await (const { data, headers, seq } of stored) records.push({ record: data, headers, seq });
    return records;
  }

  async close(): Promise<void> {
    for (const runner of this.runners) await runner.close();
    this.credentials.close();
    await this.emulator.close();
    await this.nats.cleanup();
  }
}
