import 'reflect-metadata';
import type { AddressInfo } from 'net';
import { NestFactory } from '@nestjs/core';
import { NatsClient } from '@lap/messaging';
import { createLogger } from '@lap/service-runtime';
import type { NormalizerConfig } from './config';
import { NormalizerMetrics } from './metrics/normalizer-metrics';
import { NormalizerModule } from './normalizer.module';

export { normalizerConfigSchema, type NormalizerConfig } from './config';
export type { NormalizerCounter, NormalizerCounts } from './metrics/normalizer-metrics';
export type { NormalizerMetrics } from './metrics/normalizer-metrics';

export interface RunningNormalizer {
  /** Where `/health`, `/readyz` and `/metrics` answer. */
  httpUrl: string;
  /** This replica's counters (the ones `/metrics` renders). */
  metrics: NormalizerMetrics;
  /** Stops taking records, waits for the ones being folded, then disconnects. */
  close(): Promise<void>;
}

/** Starts a normalizer replica: folds `<P>.raw.*` into `<P>.events.*`, sharing the work with the others. */
export async function startNormalizer(config: NormalizerConfig): Promise<RunningNormalizer> {
  const nats = await NatsClient.connect({ url: config.NATS_URL, name: 'normalizer' });
  const app = await NestFactory.create(NormalizerModule.register(config, nats), {
    logger: createLogger('normalizer', { level: config.LOG_LEVEL, format: config.LOG_FORMAT }),
    abortOnError: false,
  }).catch(async (error: unknown) => {
    await nats.close();
    throw error;
  });
  try {
    // Every interface: probes and metric scrapers come from outside the pod.
    await app.listen(config.NORMALIZER_PORT, config.HOST);
  } catch (error) {
    await app.close().catch(() => undefined);
    await nats.close();
    throw error;
  }
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    httpUrl: `http://127.0.0.1:${port}`,
    metrics: app.get(NormalizerMetrics),
    close: async () => {
      await app.close();
      await nats.close();
    },
  };
}
