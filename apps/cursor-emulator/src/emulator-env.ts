import { loadConfig, port } from '@lap/config';
import { z } from 'zod';
import { DEFAULT_EMULATOR_OPTIONS, type EmulatorOptions } from './emulator-options';

const nonNegativeNumber = (fallback: number) =>
  z.coerce.number({ message: 'expected a number' }).min(0, 'expected 0 or more').default(fallback);

const list = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(';')
      .map((item) => item.trim())
      .filter(Boolean),
  );

const emulatorEnvSchema = z.object({
  PORT: port(4010),
  HOST: z.string().default('127.0.0.1'),
  EMULATOR_FRAME_INTERVAL_MS: nonNegativeNumber(DEFAULT_EMULATOR_OPTIONS.frameIntervalMs),
  EMULATOR_HEARTBEAT_INTERVAL_MS: nonNegativeNumber(DEFAULT_EMULATOR_OPTIONS.heartbeatIntervalMs).refine(
    (ms) => ms > 0,
    'expected a number above 0',
  ),
  EMULATOR_STREAM_RETENTION_SECONDS: nonNegativeNumber(DEFAULT_EMULATOR_OPTIONS.streamRetentionMs / 1000),
  /** Semicolon-separated, because a key could contain a comma. */
  EMULATOR_REJECTED_API_KEYS: list,
  /** Semicolon-separated fault specs, e.g. `drop_after=3;http_5xx=2,status=500`. */
  EMULATOR_FAULTS: list,
  EMULATOR_REPOSITORIES_PER_MINUTE: nonNegativeNumber(DEFAULT_EMULATOR_OPTIONS.repositoriesPerMinute),
  EMULATOR_REPOSITORIES_PER_HOUR: nonNegativeNumber(DEFAULT_EMULATOR_OPTIONS.repositoriesPerHour),
});

export interface EmulatorEnv {
  port: number;
  host: string;
  options: EmulatorOptions;
}

export function loadEmulatorEnv(env: NodeJS.ProcessEnv = process.env): EmulatorEnv {
  const cfg = loadConfig(emulatorEnvSchema, env);
  return {
    port: cfg.PORT,
    host: cfg.HOST,
    options: {
      frameIntervalMs: cfg.EMULATOR_FRAME_INTERVAL_MS,
      heartbeatIntervalMs: cfg.EMULATOR_HEARTBEAT_INTERVAL_MS,
      streamRetentionMs: cfg.EMULATOR_STREAM_RETENTION_SECONDS * 1000,
      rejectedApiKeys: cfg.EMULATOR_REJECTED_API_KEYS,
      faults: cfg.EMULATOR_FAULTS,
      repositoriesPerMinute: cfg.EMULATOR_REPOSITORIES_PER_MINUTE,
      repositoriesPerHour: cfg.EMULATOR_REPOSITORIES_PER_HOUR,
    },
  };
}
