import type { AddressInfo } from 'net';
import { NestFactory } from '@nestjs/core';
import type { DataSource } from 'typeorm';
import { natsNames } from '@lap/contracts';
import { NatsClient } from '@lap/messaging';
import { createLogger } from '@lap/service-runtime';
import { AppModule } from './app.module';
import type { CredentialsConfig } from './config';
import { openDatabase } from './database/open-database';
import { KeyRing } from './encryption/key-ring';

export interface RunningCredentialsService {
  /** Where `/health` and `/readyz` answer. */
  httpUrl: string;
  close(): Promise<void>;
}

/**
 * Starts the service: database (connected and migrated) and NATS first, so an unreachable dependency
 * fails start-up with a message naming it; then the RPC responder and the health port.
 */
export async function startCredentialsService(config: CredentialsConfig): Promise<RunningCredentialsService> {
  const logger = createLogger('credentials', { level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  const keyRing = new KeyRing(config.CREDENTIALS_ENCRYPTION_KEYS);
  const subjects = natsNames(config.LAP_PREFIX).rpc.credentials;
  const dataSource = await openDatabase(config.DATABASE_URL, logger);
  let nats: NatsClient | undefined;
  try {
    nats = await connectNats(config.NATS_URL);
    const app = await NestFactory.create(AppModule.register({ dataSource, nats, subjects, keyRing }), {
      logger,
      // Start-up errors reach the caller (runService, or a test) instead of exiting the process.
      abortOnError: false,
    });
    await app.listen(config.CREDENTIALS_PORT, config.HOST);
    const { port } = app.getHttpServer().address() as AddressInfo;
    logger.log(
      `ready: health on port ${port}, answering ${config.LAP_PREFIX}.rpc.credentials.*, active encryption key "${keyRing.activeKeyId}"`,
      'Credentials',
    );
    const connectedNats = nats;
    return {
      httpUrl: `http://127.0.0.1:${port}`,
      close: async () => {
        await app.close();
        await connectedNats.close();
        await closeDatabase(dataSource);
      },
    };
  } catch (error) {
    await nats?.close();
    await closeDatabase(dataSource);
    throw error;
  }
}

async function connectNats(url: string): Promise<NatsClient> {
  try {
    return await NatsClient.connect({ url, name: 'credentials' });
  } catch (error) {
    throw new Error(`NATS at ${url} is unreachable: ${(error as Error).message}`);
  }
}

/** The TypeORM module destroys it on a clean shutdown; this covers a start-up that failed half-way. */
async function closeDatabase(dataSource: DataSource): Promise<void> {
  if (dataSource.isInitialized) await dataSource.destroy();
}
