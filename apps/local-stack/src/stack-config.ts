import path from 'path';
import { z } from 'zod';
import { port } from '@lap/config';

/** Settings of `npm start`; everything has a default so a fresh machine needs none of them. */
export const stackConfigSchema = z.object({
  /** Use this PostgreSQL instead of starting an embedded one. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/.+/, 'expected a PostgreSQL URL')
    .optional(),
  /** Use this NATS (with JetStream) instead of finding or starting one. */
  NATS_URL: z
    .string()
    .regex(/^nats:\/\/.+/, 'expected a NATS URL such as nats://127.0.0.1:4222')
    .optional(),
  LAP_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'expected 1-32 letters, digits, "_" or "-"')
    .default('lap'),
  LAP_MASTER_KEY: z.string().default('sk-local'),
  PORT: port(4000),
  EMULATOR_PORT: port(4010),
  /** Health ports of the services without an API of their own. */
  CREDENTIALS_PORT: port(4020),
  NORMALIZER_PORT: port(4040),
  RUNNER_PORT: port(4030),
  EMBEDDED_POSTGRES_PORT: port(5433),
  LOCAL_NATS_PORT: port(4222),
  /** Where embedded PostgreSQL, NATS and the generated encryption key keep their files. */
  LAP_DATA_DIR: z.string().default(path.resolve(__dirname, '../../../.data')),
  CREDENTIALS_ENCRYPTION_KEYS: z.string().optional(),
  LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log'),
});

export type StackConfig = z.infer<typeof stackConfigSchema>;
