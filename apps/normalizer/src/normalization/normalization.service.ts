import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { sessionIdOfSubject, type NatsNames } from '@lap/contracts';
import {
  DEFAULT_STREAM_SETTINGS,
  DurableWorker,
  ensureStreams,
  NatsClient,
  type WorkItem,
} from '@lap/messaging';
import type { NormalizerConfig } from '../config';
import { NATS_NAMES, NORMALIZER_CONFIG } from '../normalizer.tokens';
import { RecordNormalizer } from './record-normalizer';
import { SessionQueue } from './session-queue';

const MS_PER_HOUR = 3_600_000;
/**
 * How long a record waits in its session's lane for its predecessor (folded by another replica, or on
 * its way here) before it is handed back to the stream.
 */
const PREDECESSOR_PATIENCE_MS = 2_000;
/**
 * After this long, a waiting record's predecessors are folded straight from the raw log: their own
 * deliveries may be held by a replica that died (until its ack wait) or queued behind redeliveries.
 */
const CATCH_UP_AFTER_MS = 250;

/**
 * Takes raw records from the durable consumer every replica shares and normalizes them: one at a time
 * per session (in delivery order), sessions side by side.
 */
@Injectable()
export class NormalizationService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Normalization');
  private readonly worker: DurableWorker;
  private readonly sessions: SessionQueue<WorkItem>;
  private stopping = false;
  /** Records taken and not settled yet: their leases are renewed while they wait their turn. */
  private readonly held = new Set<WorkItem>();
  private renewTimer?: NodeJS.Timeout;

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
        ackWaitMs: config.NORMALIZER_ACK_WAIT_MS,
        concurrency: config.NORMALIZER_CONCURRENCY,
      },
      (message, error) => this.logger.warn(`${message}: ${(error as Error)?.message}`),
    );
    this.sessions = new SessionQueue<WorkItem>(
      {
        follows: (item, previous) => normalizer.follows(item, previous),
        attempt: async (run) => {
          // Shutting down: hand them back at once, for another replica (or the next start) to fold.
          if (this.stopping) {
            for (const item of run) item.nak();
            return run.length;
          }
          return normalizer.normalizeRun(run);
        },
        catchUp: (item) => normalizer.catchUpTo(item),
        giveUp: (item) => normalizer.handBack(item),
      },
      { patienceMs: PREDECESSOR_PATIENCE_MS, catchUpAfterMs: CATCH_UP_AFTER_MS },
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    const eventsMaxAgeHours = this.config.EVENTS_MAX_AGE_HOURS;
    await ensureStreams(this.nats.jsm, this.names, ['raw', 'events'], {
      ...DEFAULT_STREAM_SETTINGS,
      ...(eventsMaxAgeHours === undefined ? {} : { eventsMaxAgeMs: eventsMaxAgeHours * MS_PER_HOUR }),
    });
    await this.worker.ensureConsumer();
    this.renewTimer = setInterval(
      () => {
        for (const item of this.held) if (!item.settled()) item.working();
      },
      Math.max(250, Math.floor(this.config.NORMALIZER_ACK_WAIT_MS / 3)),
    );
    this.worker.start(async (item) => {
      this.held.add(item);
      try {
        await this.sessions.run(sessionIdOfSubject(item.subject), item);
      } finally {
        this.held.delete(item);
      }
    });
    this.logger.log(
      `normalizing ${this.names.allRaw} into ${this.names.allEvents} (up to ${this.config.NORMALIZER_CONCURRENCY} records at once)`,
    );
  }

  /** Stops pulling, lets the records being folded finish, and hands the waiting ones back. */
  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.worker.stop();
    await this.normalizer.settle();
    clearInterval(this.renewTimer);
  }
}
