import { ConfigError, loadConfig } from '@lap/config';
import { DUPLICATE_WINDOW_MS } from '@lap/messaging';
import { runnerConfigSchema } from './config';

describe('the runner configuration', () => {
  it('retries a raw append for a minute by default, well inside the duplicate window', () => {
    const config = loadConfig(runnerConfigSchema, {});
    expect(config.RUNNER_APPEND_RETRY_MS).toBe(60_000);
    expect(config.RUNNER_APPEND_RETRY_MS).toBeLessThanOrEqual(DUPLICATE_WINDOW_MS / 2);
  });

  it('refuses an append retry longer than half the duplicate window, naming the variable and the limit', () => {
    expect(
      loadConfig(runnerConfigSchema, { RUNNER_APPEND_RETRY_MS: String(DUPLICATE_WINDOW_MS / 2) })
        .RUNNER_APPEND_RETRY_MS,
    ).toBe(DUPLICATE_WINDOW_MS / 2);
    const load = () =>
      loadConfig(runnerConfigSchema, { RUNNER_APPEND_RETRY_MS: String(DUPLICATE_WINDOW_MS / 2 + 1) });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(
      `RUNNER_APPEND_RETRY_MS: expected at most half of JetStream's duplicate window (${DUPLICATE_WINDOW_MS / 2})`,
    );
  });
});
