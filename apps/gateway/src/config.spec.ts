import { ConfigError } from '@lap/config';
import { loadGatewayConfig } from './config';

const base = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/lap' };

describe('loadGatewayConfig', () => {
  it('applies the defaults', () => {
    expect(loadGatewayConfig(base)).toMatchObject({
      PORT: 4000,
      HOST: '127.0.0.1',
      LAP_MASTER_KEY: 'sk-local',
      SSE_HEARTBEAT_MS: 15_000,
      SSE_MAX_BUFFERED_BYTES: 1024 * 1024,
    });
    expect(loadGatewayConfig({ ...base, PORT: '0' }).PORT).toBe(0);
  });

  it.each([
    ['unset', {}],
    ['the development key', { LAP_MASTER_KEY: 'sk-local' }],
    ['a short key', { LAP_MASTER_KEY: 'short-but-not-local' }],
  ])('refuses to start in production with %s, naming the variable', (_label, env) => {
    let error: unknown;
    try {
      loadGatewayConfig({ ...base, NODE_ENV: 'production', ...env });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/LAP_MASTER_KEY: must be set to a strong key/);
  });

  it('accepts a strong key in production', () => {
    const key = 'a-strong-master-key-of-32-chars!';
    expect(loadGatewayConfig({ ...base, NODE_ENV: 'production', LAP_MASTER_KEY: key }).LAP_MASTER_KEY).toBe(
      key,
    );
  });
});
