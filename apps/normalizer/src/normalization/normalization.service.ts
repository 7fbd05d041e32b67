import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { sessionIdOfSubject, type NatsNames } from '@lap/contracts';
import { DEFAULT_STREAM_SETTINGS, DurableWorker, ensureStreams, NatsClient } from '@lap/messaging';
import type { NormalizerConfig } from '../config';
import { NATS_NAMES, NORMALIZER_CONFIG } from '../normalizer.tokens';
import { RecordNormalizer } from './record-normalizer';
import { SessionQueue } from './session-queue';

const MS_PER_HOUR = 3_600_000;

/**
 * Takes raw records from the durable consumer every replica shares and normalizes them: one at a time
 * per session (in delivery order), sessions side by side.
 */
@Injectable()
export class NormalizationService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Normalization');
  private readonly worker: DurableWorker;
  private readonly sessions = new SessionQueue();

  constructor(
    private readonly nats: NatsClient,
    private readonly normalizer: RecordNormalizer,
    @Inject(NATS_NAMES) private readonly names: NatsNames,
    @Inject(NORMALIZER_CONFIG) private readonly config: NormalizerConfig,
  ) {
    this.worker = new DurableWorker(
      nats,
      {
        stream: names.streams.raw,
        durable: names.consumers.normalizers,
        filterSubject: names.allRaw,
        ackWaitMs: config.NORMALIZER_ACK_WAIT_MS,
        concurrency: config.NORMALIZER_CONCURRENCY,
      },
      (message, error) => this.logger.warn(`${message}: ${(error as Error)?.message}`),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    const eventsMaxAgeHours = this.config.EVENTS_MAX_AGE_HOURS;
    await ensureStreams(this.nats.jsm, this.names, ['raw', 'events'], {
      ...DEFAULT_STREAM_SETTINGS,
      ...(eventsMaxAgeHours === undefined ? {} : { eventsMaxAgeMs: eventsMaxAgeHours * MS_PER_HOUR }),
    });
    await this.worker.ensureConsumer();
    this.worker.start((item, shutdown) =>
      this.sessions.run(sessionIdOfSubject(item.subject), async () => {
        // Shutting down: hand it back at once, for another replica (or the next start) to fold.
        if (shutdown.aborted) return item.nak();
        await this.normalizer.normalize(item);
      }),
    );
    this.logger.log(
      `normalizing ${this.names.allRaw} into ${this.names.allEvents} (up to ${this.config.NORMALIZER_CONCURRENCY} records at once)`,
    );
  }

  /** Stops pulling, lets the records being folded finish, and hands the waiting ones back. */
  async onApplicationShutdown(): Promise<void> {
    await this.worker.stop();
  }
}
