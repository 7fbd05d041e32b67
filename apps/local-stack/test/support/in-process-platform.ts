import { randomBytes } from 'crypto';
import { createEmulatorApp } from '@lap/cursor-emulator';
import { credentialsConfigSchema, startCredentialsService } from '@lap/credentials';
import { gatewayConfigSchema, startGateway } from '@lap/gateway';
import { normalizerConfigSchema, startNormalizer } from '@lap/normalizer';
import { runnerConfigSchema, startSessionRunner } from '@lap/session-runner';
import { createTestDatabase, createTestNats, type TestDatabase, type TestNats } from '@lap/testing';

export interface InProcessPlatform {
  gatewayUrl: string;
  emulatorUrl: string;
  masterKey: string;
  database: TestDatabase;
  nats: TestNats;
  stop(): Promise<void>;
}

/**
 * Every service of the platform in this one process, wired as in production (real NATS, real
 * PostgreSQL, the Cursor emulator over HTTP), in a database and subject prefix of its own.
 */
export async function startInProcessPlatform(
  options: { frameIntervalMs?: number } = {},
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
    const emulator = await createEmulatorApp({ port: 0, frameIntervalMs: options.frameIntervalMs ?? 2 });
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
    const runner = await startSessionRunner(runnerConfigSchema.parse({ ...common, RUNNER_PORT: 0 }));
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
    return { gatewayUrl: gateway.url, emulatorUrl: emulator.url, masterKey, database, nats, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
