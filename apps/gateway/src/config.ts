import { z } from 'zod';
import { databaseEnv, loadConfig, logEnv, natsEnv, positiveInt } from '@lap/config';

/** The key used when none is configured: fine on a laptop, refused in production. */
export const DEVELOPMENT_MASTER_KEY = 'sk-local';
const MIN_PRODUCTION_KEY_LENGTH = 24;

export const gatewayConfigSchema = z
  .object({
    // 0 asks the OS for a free port (tests); the shared `port()` helper does not allow it.
    PORT: z.coerce
      .number({ message: 'expected a TCP port number' })
      .int('expected a whole number')
      .min(0, 'expected a port between 0 and 65535')
      .max(65535, 'expected a port between 0 and 65535')
      .default(4000),
    HOST: z.string().default('127.0.0.1'),
    ...databaseEnv,
    ...natsEnv,
    LAP_MASTER_KEY: z.string().default(DEVELOPMENT_MASTER_KEY),
    SSE_HEARTBEAT_MS: positiveInt(15_000),
    /** A client whose unsent SSE output grows past this is disconnected; it resumes with Last-Event-ID. */
    SSE_MAX_BUFFERED_BYTES: positiveInt(1024 * 1024),
    /** Largest JSON request body accepted. */
    BODY_LIMIT: z.string().default('1mb'),
    ...logEnv,
  })
  .superRefine((config, context) => {
    const key = config.LAP_MASTER_KEY;
    if (
      config.NODE_ENV === 'production' &&
      (key === DEVELOPMENT_MASTER_KEY || key.length < MIN_PRODUCTION_KEY_LENGTH)
    ) {
      context.addIssue({
        code: 'custom',
        path: ['LAP_MASTER_KEY'],
        message: `must be set to a strong key (at least ${MIN_PRODUCTION_KEY_LENGTH} characters, not "${DEVELOPMENT_MASTER_KEY}") when NODE_ENV=production`,
      });
    }
  });

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

/** Reads and validates the environment; throws a ConfigError naming every bad variable. */
export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return loadConfig(gatewayConfigSchema, env);
}

/** Injection token of the validated configuration. */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
