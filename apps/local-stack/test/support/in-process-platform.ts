import { randomBytes } from 'crypto';
import { createEmulatorApp, type EmulatorAppOptions } from '@lap/cursor-emulator';
import { credentialsConfigSchema, startCredentialsService } from '@lap/credentials';
import { gatewayConfigSchema, startGateway, type RunningGateway } from '@lap/gateway';
import { normalizerConfigSchema, startNormalizer } from '@lap/normalizer';
import { runnerConfigSchema, startSessionRunner } from '@lap/session-runner';
import { createTestDatabase, createTestNats, type TestDatabase, type TestNats } from '@lap/testing';

export interface InProcessPlatform {
  gatewayUrl: string;
  emulatorUrl: string;
  masterKey: string;
  /** The gateway itself, for tests that look at what it holds (open streams, listeners). */
  gateway: RunningGateway;
  database: TestDatabase;
  nats: TestNats;
  stop(): Promise<void>;
}

/**
 * Every service of the platform in this one process, wired as in production (real NATS, real
 * PostgreSQL, the Cursor emulator over HTTP), in a database and subject prefix of its own.
 */
export interface InProcessPlatformOptions {
  frameIntervalMs?: number;
  /** Emulator settings besides the frame interval (heartbeats, stream retention, …). */
  emulator?: Omit<EmulatorAppOptions, 'port' | 'frameIntervalMs'>;
  /** Session-runner environment overrides, e.g. `CURSOR_STREAM_IDLE_MS` or the retry settings. */
  runnerEnv?: Record<string, string | number>;
}

export async function startInProcessPlatform(
  options: InProcessPlatformOptions = {},
): Promise<InProcessPlatform> {
  const database = await createTestDatabase('e2e');
  const nats = await createTestNats('e2e');
  const masterKey = `sk-e2e-${randomBytes(12).toString('hex')}`;
  const common = { NATS_URL: nats.url, LAP_PREFIX: nats.prefix, LOG_LEVEL: 'warn' };
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const close of stops.reverse()) await close().catch(() => undefined);
    await nats.cleanup();
    await database.drop();
  };
  try {
    const emulator = await createEmulatorApp({
      ...options.emulator,
      port: 0,
      frameIntervalMs: options.frameIntervalMs ?? 2,
    });
    stops.push(() => emulator.close());
    const credentials = await startCredentialsService(
      credentialsConfigSchema.parse({
        ...common,
        DATABASE_URL: database.url,
        CREDENTIALS_PORT: 0,
        CREDENTIALS_ENCRYPTION_KEYS: `e2e:${randomBytes(32).toString('base64')}`,
      }),
    );
    stops.push(() => credentials.close());
    const normalizer = await startNormalizer(normalizerConfigSchema.parse({ ...common, NORMALIZER_PORT: 0 }));
    stops.push(() => normalizer.close());
    const runner = await startSessionRunner(
      runnerConfigSchema.parse({ ...options.runnerEnv, ...common, RUNNER_PORT: 0 }),
    );
    stops.push(() => runner.close());
    const gateway = await startGateway(
      gatewayConfigSchema.parse({
        ...common,
        DATABASE_URL: database.url,
        PORT: 0,
        LAP_MASTER_KEY: masterKey,
      }),
    );
    stops.push(() => gateway.close());
    return { gatewayUrl: gateway.url, emulatorUrl: emulator.url, masterKey, gateway, database, nats, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
