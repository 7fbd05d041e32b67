import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DurableWorker, ensureStreams, NatsClient, sleep, type WorkItem } from '@lap/messaging';
import type { NatsNames } from '@lap/contracts';
import { CommandProcessor } from './command-processor';
import { RUNNER_CONFIG, NATS_NAMES } from '../runner.tokens';
import type { RunnerConfig } from '../config';
import { SessionControl } from '../control/session-control';

/**
 * Takes commands from the shared durable consumer (every runner replica pulls from the same one) and
 * keeps each live command's lease alive with in-progress acks until its run is over.
 */
@Injectable()
export class CommandConsumerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('CommandConsumer');
  private readonly worker: DurableWorker;
  private readonly leases = new Set<WorkItem>();
  private readonly stopping = new AbortController();
  private renewTimer?: NodeJS.Timeout;

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
        filterSubject: names.allCommands,
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
    void this.repairAfterReconnects();
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

  /** After NATS comes back, clears what a restart may have left in the work queue (see below). */
  private async repairAfterReconnects(): Promise<void> {
    for await (const status of this.nats.connection.status()) {
      if (this.stopping.signal.aborted) return;
      if (status.type !== 'reconnect') continue;
      // JetStream may still be loading its state: try a few times.
      for (let attempt = 1; attempt <= 5 && !this.stopping.signal.aborted; attempt++) {
        await sleep(1_000, this.stopping.signal);
        if (
          await this.removeAcknowledgedCommands().then(
            () => true,
            () => false,
          )
        )
          break;
      }
    }
  }

  /**
   * A command acknowledged just before a NATS restart can come back in the stream while the consumer
   * counts it done: never delivered again, it would hold up its session's next command for good.
   */
  private async removeAcknowledgedCommands(): Promise<void> {
    const removed = await this.worker.removeAcknowledged();
    if (removed > 0) {
      this.logger.warn(`removed ${removed} already acknowledged command(s) that a NATS restart left queued`);
    }
  }

  /** Stop taking work; live sessions are handed back at once (nak) for another runner to resume. */
  async onApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    clearInterval(this.renewTimer);
    this.control.close();
    await this.worker.stop();
  }
}
