import type { RawRecord, SessionCommand } from '@lap/contracts';
import { createEmulatorApp, type EmulatorAppOptions, type RunningEmulator } from '@lap/cursor-emulator';
import { ensureStreams, readSubjectRange, SubjectLog, type RpcServer } from '@lap/messaging';
import {
  runnerConfigSchema,
  startSessionRunner,
  type RunnerConfig,
  type RunningSessionRunner,
} from '@lap/session-runner';
import { createTestNats, type TestNats } from '@lap/testing';
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

  /** Queues a command as the gateway does; resolves to its sequence in the work queue. */
  async send(command: SessionCommand): Promise<number> {
    const subject = this.nats.names.command(command.sessionId);
    return (await this.commands.append(subject, command, { msgId: command.commandId })).seq;
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
