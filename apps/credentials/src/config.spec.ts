import { randomBytes } from 'crypto';
import { ConfigError, loadConfig } from '@lap/config';
import { credentialsConfigSchema } from './config';

const base = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/lap' };
const keyOf = (bytes: number) => randomBytes(bytes).toString('base64');

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(credentialsConfigSchema, { ...base, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('credentials configuration', () => {
  it('parses keys in order (the first is active) and applies defaults', () => {
    const current = randomBytes(32);
    const previous = randomBytes(32);
    const config = loadConfig(credentialsConfigSchema, {
      ...base,
      CREDENTIALS_ENCRYPTION_KEYS: ` k2:${current.toString('base64')} , k1:${previous.toString('base64')},`,
    });
    expect(config.CREDENTIALS_ENCRYPTION_KEYS.map((k) => k.id)).toEqual(['k2', 'k1']);
    expect(config.CREDENTIALS_ENCRYPTION_KEYS[0].secret.equals(current)).toBe(true);
    expect(config.CREDENTIALS_ENCRYPTION_KEYS[1].secret.equals(previous)).toBe(true);
    expect(config.CREDENTIALS_PORT).toBe(4020);
    expect(config.LAP_PREFIX).toBe('lap');
  });

  it('allows port 0 (an ephemeral port, for tests)', () => {
    const config = loadConfig(credentialsConfigSchema, {
      ...base,
      CREDENTIALS_PORT: '0',
      CREDENTIALS_ENCRYPTION_KEYS: `k:${keyOf(32)}`,
    });
    expect(config.CREDENTIALS_PORT).toBe(0);
  });

  it('requires the keys', () => {
    expect(configError({}).message).toContain(
      'CREDENTIALS_ENCRYPTION_KEYS: expected comma-separated keyId:base64',
    );
  });

  it('rejects a key that is not 32 bytes, naming the variable and the key id but hiding the value', () => {
    const shortKey = keyOf(16);
    const message = configError({ CREDENTIALS_ENCRYPTION_KEYS: `k1:${keyOf(32)},weak:${shortKey}` }).message;
    expect(message).toContain('CREDENTIALS_ENCRYPTION_KEYS: key "weak" decodes to 16 bytes, expected 32');
    expect(message).toContain('hidden');
    expect(message).not.toContain(shortKey);
  });

  it('rejects duplicate key ids', () => {
    const message = configError({ CREDENTIALS_ENCRYPTION_KEYS: `k1:${keyOf(32)},k1:${keyOf(32)}` }).message;
    expect(message).toContain('CREDENTIALS_ENCRYPTION_KEYS: key id "k1" appears more than once');
  });

  it('rejects malformed entries without echoing them', () => {
    const secretLooking = 'not-base64!!secret';
    const message = configError({ CREDENTIALS_ENCRYPTION_KEYS: `${keyOf(32)},k2:${secretLooking}` }).message;
    expect(message).toContain('CREDENTIALS_ENCRYPTION_KEYS: entry 1 is not in the form keyId:base64');
    expect(message).toContain('CREDENTIALS_ENCRYPTION_KEYS: key "k2" is not valid base64');
    expect(message).not.toContain(secretLooking);
  });
});
