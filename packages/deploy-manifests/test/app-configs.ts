/**
 * What each deployable app reads from its environment, taken from the apps themselves (their zod
 * schemas), so the deployment checks follow the code instead of a hand-kept list.
 */
import { randomBytes } from 'crypto';
import { loadConfig } from '@lap/config';
import { credentialsConfigSchema } from '@lap/credentials';
import { gatewayConfigSchema } from '@lap/gateway';
import { normalizerConfigSchema } from '@lap/normalizer';
import { runnerConfigSchema } from '@lap/session-runner';
// The emulator's package exports neither its env schema nor its loader, so this is the one import
// from an app's source folder.
import { loadEmulatorEnv } from '../../../apps/cursor-emulator/src/emulator-env';

export type Env = Record<string, string>;

export interface AppConfig {
  app: string;
  /** True when the app reads this variable (a key of its schema). */
  reads(name: string): boolean;
  /** Variables with no default that are not optional: start-up fails without them. */
  required: string[];
  /** Validates an environment exactly as the app's main does (throws a ConfigError). */
  load(env: Env): { port: number; host: string | undefined };
  /** The path a readiness check should call. */
  readyPath: string;
  /** The path a liveness check should call (undefined: the app has no separate one). */
  livePath?: string;
}

/** The structural part of a zod object schema these checks use (no direct zod import needed). */
interface ObjectSchema {
  shape: Record<string, { safeParse(value: unknown): { success: boolean } }>;
}

function fromSchema(
  app: string,
  schema: ObjectSchema & Parameters<typeof loadConfig>[0],
  portKey: string,
  hostKey: string | undefined,
): AppConfig {
  const keys = Object.keys(schema.shape);
  return {
    app,
    reads: (name) => keys.includes(name),
    // A key is required when the schema rejects its absence (no default, not optional).
    required: keys.filter((key) => !schema.shape[key].safeParse(undefined).success),
    load: (env) => {
      const config = loadConfig(schema, env) as Record<string, unknown>;
      return { port: Number(config[portKey]), host: hostKey ? String(config[hostKey]) : undefined };
    },
    readyPath: '/readyz',
    livePath: '/health',
  };
}

/**
 * The emulator's schema is private; what it reads is learned by asking its loader: a variable it
 * reads either makes a nonsense value fail validation (naming the variable) or changes the result.
 */
function emulatorConfig(): AppConfig {
  const baseline = JSON.stringify(loadEmulatorEnv({}));
  const reads = (name: string): boolean => {
    try {
      return JSON.stringify(loadEmulatorEnv({ [name]: '%not-a-value%' })) !== baseline;
    } catch (error) {
      return (error as Error).message.includes(`${name}:`);
    }
  };
  return {
    app: 'cursor-emulator',
    reads,
    // loadEmulatorEnv({}) succeeding (above) proves it needs nothing.
    required: [],
    load: (env) => {
      const { port, host } = loadEmulatorEnv(env);
      return { port, host };
    },
    // No /readyz or /health: its stats route answers once it serves requests.
    readyPath: '/__emulator/stats',
  };
}

export const APP_CONFIGS: Record<string, AppConfig> = {
  gateway: fromSchema('gateway', gatewayConfigSchema, 'PORT', 'HOST'),
  credentials: fromSchema('credentials', credentialsConfigSchema, 'CREDENTIALS_PORT', 'HOST'),
  'session-runner': fromSchema('session-runner', runnerConfigSchema, 'RUNNER_PORT', 'HOST'),
  normalizer: fromSchema('normalizer', normalizerConfigSchema, 'NORMALIZER_PORT', 'HOST'),
  'cursor-emulator': emulatorConfig(),
};

/** Addresses that accept connections from outside the container (port mappings, kubelet probes). */
export const ALL_INTERFACES = ['0.0.0.0', '::'];

/**
 * Plausible values for the secrets that never live in the repository: the shapes the schemas demand
 * (a strong master key, 32-byte base64 encryption keys, a URL-safe database password).
 */
export const SAMPLE_SECRETS: Env = {
  LAP_MASTER_KEY: randomBytes(32).toString('base64'),
  CREDENTIALS_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
  POSTGRES_PASSWORD: randomBytes(24).toString('hex'),
  DATABASE_URL: `postgres://lap:${randomBytes(24).toString('hex')}@db.example.internal:5432/lap`,
};
