import { z } from 'zod';
import { host, logEnv, natsEnv, port, positiveInt } from '@lap/config';

export const normalizerConfigSchema = z.object({
  ...natsEnv,
  /** Serves `/health`, `/readyz` and `/metrics`. */
  HOST: host(),
  NORMALIZER_PORT: port(4040),
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
