import { z } from 'zod';

/** Building blocks for each service's environment schema. */
export const port = (fallback: number) =>
  z.coerce
    .number({ message: 'expected a TCP port number' })
    .int('expected a whole number')
    .min(0, 'expected a port between 0 (any free port) and 65535')
    .max(65535, 'expected a port between 0 (any free port) and 65535')
    .default(fallback);

/** The address a service's HTTP port binds: loopback by default, 0.0.0.0 in containers. */
export const host = () =>
  z.string().min(1, 'expected an address such as 127.0.0.1 or 0.0.0.0').default('127.0.0.1');

export const positiveInt = (fallback: number) =>
  z.coerce
    .number({ message: 'expected a number' })
    .int('expected a whole number')
    .positive('expected a number above 0')
    .default(fallback);

export const url = (what: string) => z.string().url(`expected ${what}, such as http://127.0.0.1:4010`);

export const natsEnv = {
  NATS_URL: z
    .string()
    .regex(/^(nats|tls|ws|wss):\/\/.+/, 'expected a NATS URL such as nats://127.0.0.1:4222')
    .default('nats://127.0.0.1:4222'),
  LAP_PREFIX: z
    .string()
    .regex(
      /^[A-Za-z0-9_-]{1,32}$/,
      'expected 1-32 letters, digits, "_" or "-" (it names NATS subjects and streams)',
    )
    .default('lap'),
};

export const databaseEnv = {
  DATABASE_URL: z
    .string({ message: 'expected a PostgreSQL URL such as postgres://user@127.0.0.1:5432/lap' })
    .regex(/^postgres(ql)?:\/\/.+/, 'expected a PostgreSQL URL such as postgres://user@127.0.0.1:5432/lap'),
};

export const logEnv = {
  LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log'),
  LOG_FORMAT: z.enum(['json', 'pretty']).default('pretty'),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
};
