import { z } from 'zod';
import { host, logEnv, natsEnv, port, positiveInt } from '@lap/config';
import { DUPLICATE_WINDOW_MS } from '@lap/messaging';

export const runnerConfigSchema = z.object({
  ...natsEnv,
  ...logEnv,
  /** HTTP address for /health and /readyz (0.0.0.0 in containers). */
  HOST: host(),
  RUNNER_PORT: port(4030),
  /** Most sessions this process executes at once. */
  RUNNER_MAX_SESSIONS: positiveInt(2_000),
  /**
   * A command un-acked for this long without an in-progress ack goes to another runner: the failover
   * time after a runner dies. The runner renews its leases every third of it.
   */
  RUNNER_ACK_WAIT_MS: positiveInt(8_000),
  /**
   * How long appending to the raw log keeps retrying while NATS is away (restart, reconnect) before the
   * runner hands the command back; a repeated append is answered "duplicate", so retrying is safe, as
   * long as the repeat comes within JetStream's duplicate window (past it, the append looks fenced).
   */
  RUNNER_APPEND_RETRY_MS: positiveInt(60_000).refine((ms) => ms <= DUPLICATE_WINDOW_MS / 2, {
    // Half: the last attempt starts after a backoff and waits for its answer past the retry time.
    message: `expected at most half of JetStream's duplicate window (${DUPLICATE_WINDOW_MS / 2}), within which a repeated append is recognised`,
  }),
  /** A run stream that sends nothing for this long is treated as dropped and resumed. */
  CURSOR_STREAM_IDLE_MS: positiveInt(45_000),
  CURSOR_RETRY_BASE_MS: positiveInt(500),
  CURSOR_RETRY_MAX_DELAY_MS: positiveInt(15_000),
  CURSOR_MAX_ATTEMPTS: positiveInt(6),
  /** How long a follow-up message waits for the previous run to end (409 agent_busy). */
  CURSOR_AGENT_BUSY_TIMEOUT_MS: positiveInt(30 * 60_000),
});

export type RunnerConfig = z.infer<typeof runnerConfigSchema>;
