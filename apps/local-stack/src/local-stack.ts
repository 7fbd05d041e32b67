import { startEmbeddedPostgres, type StartedPostgres } from './infrastructure/embedded-postgres';
import { startLocalNats, type StartedNats } from './infrastructure/local-nats';
import { localEncryptionKeys } from './infrastructure/encryption-key';
import { ChildService } from './services/child-service';
import { platformServices } from './services/platform-services';
import type { StackConfig } from './stack-config';

export interface RunningStack {
  gatewayUrl: string;
  emulatorUrl: string;
  stop(): Promise<void>;
}

/**
 * Brings the whole platform up on one machine: PostgreSQL and NATS (given, found, or started), then
 * every service as its own process, started together and waited for until ready. `stop()` takes it down in reverse.
 */
export async function startLocalStack(
  config: StackConfig,
  log: (line: string) => void,
  onServiceExit: (name: string, code: number | null) => void,
): Promise<RunningStack> {
  let postgres: StartedPostgres | undefined;
  let nats: StartedNats | undefined;
  const services: ChildService[] = [];
  const stop = async () => {
    for (const service of [...services].reverse()) await service.stop();
    await nats?.stop();
    await postgres?.stop();
  };
  try {
    let databaseUrl = config.DATABASE_URL;
    if (!databaseUrl) {
      log(
        `starting embedded PostgreSQL on 127.0.0.1:${config.EMBEDDED_POSTGRES_PORT} (data in ${config.LAP_DATA_DIR})`,
      );
      postgres = await startEmbeddedPostgres(config.LAP_DATA_DIR, config.EMBEDDED_POSTGRES_PORT, log);
      databaseUrl = postgres.url;
    }
    let natsUrl = config.NATS_URL;
    if (!natsUrl) {
      nats = await startLocalNats(config.LAP_DATA_DIR, config.LOCAL_NATS_PORT, log);
      natsUrl = nats.url;
    }
    const credentialsKeys = config.CREDENTIALS_ENCRYPTION_KEYS ?? localEncryptionKeys(config.LAP_DATA_DIR);
    // The services depend on PostgreSQL and NATS, not on each other: start them all at once.
    for (const spec of platformServices(config, { databaseUrl, natsUrl, credentialsKeys })) {
      const service = new ChildService(spec);
      services.push(service);
      service.start((code) => onServiceExit(service.name, code));
    }
    await Promise.all(services.map((service) => service.waitUntilReady()));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    gatewayUrl: `http://127.0.0.1:${config.PORT}`,
    emulatorUrl: `http://127.0.0.1:${config.EMULATOR_PORT}`,
    stop,
  };
}
