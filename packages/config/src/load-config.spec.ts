import { z } from 'zod';
import { ConfigError, loadConfig } from './load-config';
import { natsEnv, port } from './common-env';

describe('loadConfig', () => {
  const schema = z.object({ PORT: port(4000), ...natsEnv, LAP_MASTER_KEY: z.string().min(12, 'too short') });

  it('applies defaults and treats empty strings as unset', () => {
    const cfg = loadConfig(schema, { PORT: '', LAP_MASTER_KEY: 'long-enough-key' });
    expect(cfg).toEqual({
      PORT: 4000,
      NATS_URL: 'nats://127.0.0.1:4222',
      LAP_PREFIX: 'lap',
      LAP_MASTER_KEY: 'long-enough-key',
    });
  });

  it('names every bad variable and what it expects, hiding secrets', () => {
    let error: unknown;
    try {
      loadConfig(schema, { PORT: 'abc', LAP_PREFIX: 'a.b', LAP_MASTER_KEY: 'short' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('PORT: expected a TCP port number (got "abc")');
    expect(message).toContain('LAP_PREFIX: expected 1-32 letters');
    expect(message).toContain('LAP_MASTER_KEY: too short (got "<5 characters, hidden>")');
    expect(message).not.toContain('"short"');
  });
});
