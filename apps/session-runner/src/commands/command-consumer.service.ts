import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DurableWorker, ensureStreams, NatsClient, sleep, SubjectLog, type WorkItem } from '@lap/messaging';
import type { NatsNames } from '@lap/contracts';
import { CommandProcessor } from './command-processor';
import { CommandQueueRepair } from './command-queue-repair';
import { RUNNER_CONFIG, NATS_NAMES } from '../runner.tokens';
import type { RunnerConfig } from '../config';
import { SessionControl } from '../control/session-control';

/** How often the work queue is checked for commands a NATS crash put out of the consumer's reach. */
const WORK_QUEUE_REPAIR_INTERVAL_MS = 5_000;
/** After a reconnect, how often the check is tried until JetStream answers (it recovers its streams first). */
const REPAIR_AFTER_RECONNECT_RETRY_MS = 250;
/**
 * How often every queued command is checked against its session's raw log for a leftover already done
 * that no later command waits behind (one waited behind is removed as soon as that one is taken), above
 * the ack floor where the queue repair does not look (CommandProcessor.removeSettledLeftovers). One raw
 * log read per queued command, so not on every repair.
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
  private readonly repair: CommandQueueRepair;
  private readonly leases = new Set<WorkItem>();
  private readonly stopping = new AbortController();
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
    this.repair = new CommandQueueRepair(
      this.worker,
      new SubjectLog(nats, names.streams.commands),
      processor,
      names,
      this.logger,
    );
  }

  /** Sessions this process is executing now. */
  get activeSessions(): number {
    return this.worker.activeCount;
  }

  async onApplicationBootstrap(): Promise<void> {
    await ensureStreams(this.nats.jsm, this.names, ['commands', 'raw']);
    await this.worker.ensureConsumer();
    await this.repair.run();
    await this.processor
      .removeSettledLeftovers()
      .catch((error: Error) =>
        this.logger.warn(
          `looking for settled commands left queued failed; the next sweep will do: ${error.message}`,
        ),
      );
    // NATS away: the next sweep will do.
    this.repairTimer = setInterval(
      () => void this.repair.run().catch(() => undefined),
      WORK_QUEUE_REPAIR_INTERVAL_MS,
    );
    void this.repairAfterReconnects().catch(() => undefined);
    this.leftoverTimer = setInterval(
      () => void this.processor.removeSettledLeftovers().catch(() => undefined),
      LEFTOVER_SWEEP_INTERVAL_MS,
    );
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
   * A crash is when the queue falls out of step, and commands are sent as soon as NATS is back: the
   * check runs at once, so that few land where the consumer would skip them unseen.
   */
  private async repairAfterReconnects(): Promise<void> {
    for await (const status of this.nats.connection.status()) {
      if (this.stopping.signal.aborted) return;
      if (status.type !== 'reconnect') continue;
      // A look under way began before the reconnect: let it end, so the next one starts after.
      await this.repair.run().catch(() => undefined);
      for (let attempt = 0; attempt < 40 && !this.stopping.signal.aborted; attempt++) {
        const done = await this.repair.run().then(
          () => true,
          () => false,
        );
        if (done) break;
        await sleep(REPAIR_AFTER_RECONNECT_RETRY_MS, this.stopping.signal);
      }
    }
  }

  /** Stop taking work; live sessions are handed back at once (nak) for another runner to resume. */
  async onApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    clearInterval(this.renewTimer);
    clearInterval(this.repairTimer);
    clearInterval(this.leftoverTimer);
    this.control.close();
    await this.worker.stop();
  }
}
