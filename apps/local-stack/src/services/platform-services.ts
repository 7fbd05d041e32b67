import type { StackConfig } from '../stack-config';
import type { ServiceSpec } from './child-service';

export interface Infrastructure {
  databaseUrl: string;
  natsUrl: string;
  credentialsKeys: string;
}

export const SERVICE_PORTS = { credentials: 4020, runner: 4030, normalizer: 4040 } as const;

/** The platform's services in start order, each with the environment it needs. */
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
        CREDENTIALS_PORT: String(SERVICE_PORTS.credentials),
      },
      readyUrl: `http://127.0.0.1:${SERVICE_PORTS.credentials}/readyz`,
    },
    {
      app: 'normalizer',
      env: { ...common, NORMALIZER_PORT: String(SERVICE_PORTS.normalizer) },
      readyUrl: `http://127.0.0.1:${SERVICE_PORTS.normalizer}/readyz`,
    },
    {
      app: 'session-runner',
      env: { ...common, RUNNER_PORT: String(SERVICE_PORTS.runner) },
      readyUrl: `http://127.0.0.1:${SERVICE_PORTS.runner}/readyz`,
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
