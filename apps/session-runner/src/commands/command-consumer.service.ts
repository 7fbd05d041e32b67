import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DurableWorker, ensureStreams, NatsClient, type WorkItem } from '@lap/messaging';
import type { NatsNames } from '@lap/contracts';
import { CommandProcessor } from './command-processor';
import { RUNNER_CONFIG, NATS_NAMES } from '../runner.tokens';
import type { RunnerConfig } from '../config';
import { SessionControl } from '../control/session-control';

/** How often the work queue is checked for commands a NATS restart left behind (see below). */
const WORK_QUEUE_REPAIR_INTERVAL_MS = 5_000;
/**
 * How often every queued command is checked against its session's raw log for a leftover already done
 * that no later command waits behind (one waited behind is removed as soon as that one is taken), which
 * the ack floor does not reach (CommandProcessor.removeSettledLeftovers). One raw log read per queued
 * command, so not on every repair.
 */
const LEFTOVER_SWEEP_INTERVAL_MS = 30_000;

/**
 * Takes commands from the shared durable consumer (every runner replica pulls from the same one) and
 * keeps each live command's lease alive with in-progress acks until its run is over.
 */
@Injectable()
export class CommandConsumerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('CommandConsumer');
  private readonly worker: DurableWorker;
  private readonly leases = new Set<WorkItem>();
  private renewTimer?: NodeJS.Timeout;
  private repairTimer?: NodeJS.Timeout;
  private leftoverTimer?: NodeJS.Timeout;

  constructor(
    private readonly nats: NatsClient,
    private readonly processor: CommandProcessor,
    private readonly control: SessionControl,
    @Inject(NATS_NAMES) private readonly names: NatsNames,
    @Inject(RUNNER_CONFIG) private readonly config: RunnerConfig,
  ) {
    this.worker = new DurableWorker(
      nats,
      {
        stream: names.streams.commands,
        durable: names.consumers.runners,
        ackWaitMs: config.RUNNER_ACK_WAIT_MS,
        concurrency: config.RUNNER_MAX_SESSIONS,
      },
      (message, error) => this.logger.warn(`${message}: ${(error as Error)?.message}`),
    );
  }

  /** Sessions this process is executing now. */
  get activeSessions(): number {
    return this.worker.activeCount;
  }

  async onApplicationBootstrap(): Promise<void> {
    await ensureStreams(this.nats.jsm, this.names, ['commands', 'raw']);
    await this.worker.ensureConsumer();
    await this.removeAcknowledgedCommands();
    await this.processor
      .removeSettledLeftovers()
      .catch((error: Error) =>
        this.logger.warn(
          `looking for settled commands left queued failed; the next sweep will do: ${error.message}`,
        ),
      );
    // NATS away: the next sweep will do.
    this.repairTimer = setInterval(
      () => void this.removeAcknowledgedCommands().catch(() => undefined),
      WORK_QUEUE_REPAIR_INTERVAL_MS,
    );
    this.leftoverTimer = setInterval(
      () => void this.processor.removeSettledLeftovers().catch(() => undefined),
      LEFTOVER_SWEEP_INTERVAL_MS,
    );
    this.control.listen();
    // One timer renews every lease: cheap with thousands of live sessions.
    this.renewTimer = setInterval(
      () => {
        for (const item of this.leases) item.working();
      },
      Math.max(250, Math.floor(this.config.RUNNER_ACK_WAIT_MS / 3)),
    );
    this.worker.start(async (item, shutdown) => {
      this.leases.add(item);
      try {
        await this.processor.handle(item, shutdown);
      } finally {
        this.leases.delete(item);
      }
    });
    this.logger.log(
      `taking commands from ${this.names.streams.commands} (up to ${this.config.RUNNER_MAX_SESSIONS} sessions)`,
    );
  }

  /**
   * A command acknowledged just before a NATS restart can come back in the stream while the consumer
   * counts it done: never delivered again, it would hold up its session's next command for good. It is
   * removed once the consumer's ack floor has passed it, which may be well after the restart (acks
   * above the floor wait for the ones below), so the sweep runs on a timer rather than on reconnect.
   */
  private async removeAcknowledgedCommands(): Promise<void> {
    const removed = await this.worker.removeAcknowledged();
    if (removed > 0) {
      this.logger.warn(`removed ${removed} already acknowledged command(s) that a NATS restart left queued`);
    }
  }

  /** Stop taking work; live sessions are handed back at once (nak) for another runner to resume. */
  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.renewTimer);
    clearInterval(this.repairTimer);
    clearInterval(this.leftoverTimer);
    this.control.close();
    await this.worker.stop();
  }
}
