import type { TestNats } from '@lap/testing';
import { normalizerConfigSchema, type NormalizerConfig } from '../../src';

/** A normalizer on the test's private prefix, on an ephemeral port, logging only problems. */
export function testNormalizerConfig(
  nats: TestNats,
  overrides: Record<string, string> = {},
): NormalizerConfig {
  return normalizerConfigSchema.parse({
    NATS_URL: nats.url,
    LAP_PREFIX: nats.prefix,
    NORMALIZER_PORT: '0',
    LOG_LEVEL: 'error',
    NODE_ENV: 'test',
    ...overrides,
  });
}
