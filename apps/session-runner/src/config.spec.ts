import { ConfigError, loadConfig } from '@lap/config';
import { DUPLICATE_WINDOW_MS } from '@lap/messaging';
import { runnerConfigSchema } from './config';

describe('the runner configuration', () => {
  it('retries a raw append for a minute by default, inside the duplicate window', () => {
    const config = loadConfig(runnerConfigSchema, {});
    expect(config.RUNNER_APPEND_RETRY_MS).toBe(60_000);
    expect(config.RUNNER_APPEND_RETRY_MS).toBeLessThan(DUPLICATE_WINDOW_MS);
  });

  it('refuses an append retry as long as the duplicate window, naming the variable and the window', () => {
    const load = () =>
      loadConfig(runnerConfigSchema, { RUNNER_APPEND_RETRY_MS: String(DUPLICATE_WINDOW_MS) });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(
      `RUNNER_APPEND_RETRY_MS: expected fewer milliseconds than JetStream's duplicate window (${DUPLICATE_WINDOW_MS})`,
    );
  });
});
