import { RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { NatsClient } from '@lap/messaging';
import { withTimeout } from './bounded';
import { pacedLoop } from './paced-loop';
import { distributionOf, median, type Distribution } from './statistics';
import type { WorkMeter, WorkPerEvent } from './work-per-event';

export interface NatsLimitSettings {
  natsUrl: string;
  prefix: string;
  /** Messages per second for the two latency figures (the same rate as the added-latency run). */
  ratePerSecond: number;
  durationMs: number;
  payloadBytes: number;
  /** How long each publish-rate figure publishes. */
  rateWindowMs: number;
  /** Publishes in flight for the pipelined rate. */
  pipelineWindow: number;
}

export interface NatsLimits {
  /** Core NATS publish → subscriber receipt, two connections through the server. */
  natsHopMs: Distribution;
  /** JetStream publish → its ack (the message is stored), file storage like the platform's streams. */
  jetStreamAckMs: Distribution;
  /**
   * What one core hop cost: the bench's two connections and the server, per message (null unpriced).
   * At this rate each message wakes a process that was asleep, which is the price the platform pays at
   * every hop of an event; its own CPU per event is compared with this.
   */
  natsHopWork: WorkPerEvent | null;
  /** What one JetStream publish → ack cost, per publish: the runner's and normalizer's unit of work. */
  jetStreamAckWork: WorkPerEvent | null;
  /** JetStream publishes/s, one at a time (each waits for its ack: the runner's per-session pattern). */
  jetStreamSequentialPerSecond: number;
  /**
   * JetStream publishes/s with `pipelineWindow` in flight: the server's limit on this machine (the
   * median window).
   */
  jetStreamPipelinedPerSecond: number;
  /** Each window's rate, in the order measured. */
  jetStreamPipelinedWindows: number[];
}

/**
 * The floor the platform is compared with: what NATS alone does on this machine, in the same run.
 * `startWork`, when given, prices the two paced runs (CPU per message of every watched process).
 */
export async function measureNatsLimits(
  settings: NatsLimitSettings,
  startWork?: () => Promise<WorkMeter>,
): Promise<NatsLimits> {
  const publisher = await NatsClient.connect({ url: settings.natsUrl, name: 'bench-publisher' });
  const subscriber = await NatsClient.connect({ url: settings.natsUrl, name: 'bench-subscriber' });
  const stream = `${settings.prefix.toUpperCase().replace(/-/g, '_')}_BENCH_PROBE`;
  const subjectRoot = `${settings.prefix}.probe`;
  try {
    await publisher.jsm.streams.add({
      name: stream,
      subjects: [`${subjectRoot}.>`],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      num_replicas: 1,
    });
    const count = Math.max(1, Math.round((settings.ratePerSecond * settings.durationMs) / 1000));
    const payload = () => new Uint8Array(Math.max(8, settings.payloadBytes));

    // Core hop: the send time travels in the payload; both ends read the same monotonic clock.
    const hops: number[] = [];
    const hopSubject = `${settings.prefix}.bench.hop`;
    const received = new Promise<void>((resolve) => {
      subscriber.connection.subscribe(hopSubject, {
        max: count,
        callback: (_error, message) => {
          hops.push(
            performance.now() - new DataView(message.data.buffer, message.data.byteOffset).getFloat64(0),
          );
          if (hops.length >= count) resolve();
        },
      });
    });
    await subscriber.connection.flush();
    const hopWork = await startWork?.();
    const hopRun = pacedLoop(settings.ratePerSecond, count, settings.durationMs * 2, () => {
      const body = payload();
      new DataView(body.buffer).setFloat64(0, performance.now());
      publisher.connection.publish(hopSubject, body);
    });
    await hopRun;
    await withTimeout('core NATS hop messages', received, 10_000).catch(() => undefined);
    const natsHopWork = (await hopWork?.perEvent(hops.length)) ?? null;

    // Publish-with-ack at the same rate, each publish awaited on its own.
    const acks: number[] = [];
    const pending: Promise<void>[] = [];
    const ackWork = await startWork?.();
    await pacedLoop(settings.ratePerSecond, count, settings.durationMs * 2, (i) => {
      const sentAt = performance.now();
      pending.push(
        publisher.js.publish(`${subjectRoot}.latency.${i % 64}`, payload()).then(() => {
          acks.push(performance.now() - sentAt);
        }),
      );
    });
    await withTimeout('JetStream acks', Promise.allSettled(pending), 30_000).catch(() => undefined);
    const jetStreamAckWork = (await ackWork?.perEvent(acks.length)) ?? null;

    const sequential = await publishRate(publisher, `${subjectRoot}.sequential`, 1, settings, payload);
    // The machine's rate drifts from one window to the next: the median of a few is what runs compare.
    const pipelinedWindows: number[] = [];
    for (let window = 0; window < PIPELINED_WINDOWS; window++) {
      pipelinedWindows.push(
        await publishRate(publisher, `${subjectRoot}.pipelined`, settings.pipelineWindow, settings, payload),
      );
    }
    return {
      natsHopMs: distributionOf(hops),
      jetStreamAckMs: distributionOf(acks),
      natsHopWork,
      jetStreamAckWork,
      jetStreamSequentialPerSecond: sequential,
      jetStreamPipelinedPerSecond: median(pipelinedWindows)!,
      jetStreamPipelinedWindows: pipelinedWindows,
    };
  } finally {
    await publisher.jsm.streams.delete(stream).catch(() => undefined);
    await publisher.close();
    await subscriber.close();
  }
}

/** Windows of `rateWindowMs` the pipelined rate is measured over. */
const PIPELINED_WINDOWS = 3;

/** Publishes for `rateWindowMs` keeping `window` publishes in flight; returns acked publishes per second. */
async function publishRate(
  client: NatsClient,
  subject: string,
  window: number,
  settings: NatsLimitSettings,
  payload: () => Uint8Array,
): Promise<number> {
  const start = performance.now();
  const deadline = start + settings.rateWindowMs;
  let acked = 0;
  const lane = async () => {
    while (performance.now() < deadline) {
      await client.js.publish(subject, payload());
      acked++;
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  return acked / ((performance.now() - start) / 1000);
}
