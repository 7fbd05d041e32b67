import { z } from 'zod';
import { logEnv, natsEnv, positiveInt } from '@lap/config';

/** 0 lets the operating system pick a free port (what tests use). */
const listenPort = (fallback: number) =>
  z.coerce
    .number({ message: 'expected a TCP port number' })
    .int('expected a whole number')
    .min(0, 'expected a port between 0 and 65535')
    .max(65535, 'expected a port between 0 and 65535')
    .default(fallback);

export const normalizerConfigSchema = z.object({
  ...natsEnv,
  /** Serves `/health`, `/readyz` and `/metrics`. */
  NORMALIZER_PORT: listenPort(4040),
  /** Most raw records this replica handles at once (across sessions; one session is folded in order). */
  NORMALIZER_CONCURRENCY: positiveInt(256),
  /** A record un-acked for this long goes to another replica. */
  NORMALIZER_ACK_WAIT_MS: positiveInt(30_000),
  /** How long normalized events are kept; the stream default applies when unset. */
  EVENTS_MAX_AGE_HOURS: z.coerce
    .number({ message: 'expected a number of hours' })
    .positive('expected a number of hours above 0')
    .optional(),
  ...logEnv,
});

export type NormalizerConfig = z.infer<typeof normalizerConfigSchema>;
