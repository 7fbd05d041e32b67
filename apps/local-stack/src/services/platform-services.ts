import type { StackConfig } from '../stack-config';
import type { ServiceSpec } from './child-service';

export interface Infrastructure {
  databaseUrl: string;
  natsUrl: string;
  credentialsKeys: string;
}

/** The platform's services, each with the environment it needs. */
export function platformServices(config: StackConfig, infra: Infrastructure): ServiceSpec[] {
  const common = {
    NATS_URL: infra.natsUrl,
    LAP_PREFIX: config.LAP_PREFIX,
    LOG_LEVEL: config.LOG_LEVEL,
    LOG_FORMAT: 'pretty',
  };
  return [
    {
      app: 'cursor-emulator',
      env: { PORT: String(config.EMULATOR_PORT), LOG_LEVEL: config.LOG_LEVEL },
      readyUrl: `http://127.0.0.1:${config.EMULATOR_PORT}/__emulator/stats`,
    },
    {
      app: 'credentials',
      env: {
        ...common,
        DATABASE_URL: infra.databaseUrl,
        CREDENTIALS_ENCRYPTION_KEYS: infra.credentialsKeys,
        CREDENTIALS_PORT: String(config.CREDENTIALS_PORT),
      },
      readyUrl: `http://127.0.0.1:${config.CREDENTIALS_PORT}/readyz`,
    },
    {
      app: 'normalizer',
      env: { ...common, NORMALIZER_PORT: String(config.NORMALIZER_PORT) },
      readyUrl: `http://127.0.0.1:${config.NORMALIZER_PORT}/readyz`,
    },
    {
      app: 'session-runner',
      env: { ...common, RUNNER_PORT: String(config.RUNNER_PORT) },
      readyUrl: `http://127.0.0.1:${config.RUNNER_PORT}/readyz`,
    },
    {
      app: 'gateway',
      env: {
        ...common,
        DATABASE_URL: infra.databaseUrl,
        PORT: String(config.PORT),
        LAP_MASTER_KEY: config.LAP_MASTER_KEY,
      },
      readyUrl: `http://127.0.0.1:${config.PORT}/readyz`,
    },
  ];
}
