import { z } from 'zod';
import { databaseEnv, host, logEnv, natsEnv, port } from '@lap/config';
import type { EncryptionKey } from './encryption/key-ring';

const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64_PATTERN = /^[A-Za-z0-9+/]+={0,2}$/;
const KEY_BYTES = 32;
const HOW_TO_GENERATE = 'generate one with: openssl rand -base64 32';

/**
 * `CREDENTIALS_ENCRYPTION_KEYS`: `keyId:base64,keyId:base64,…`. The first key encrypts; the others
 * only decrypt, so a key can be rotated without re-encrypting every row at once.
 * Problems name the entry by position or key id, never by its key material.
 */
const encryptionKeys = z
  .string({
    message: `expected comma-separated keyId:base64 entries of ${KEY_BYTES}-byte keys (${HOW_TO_GENERATE})`,
  })
  .transform((value, ctx): EncryptionKey[] => {
    const keys: EncryptionKey[] = [];
    const problem = (message: string) => ctx.addIssue({ code: 'custom', message });
    const entries = value
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
    if (entries.length === 0) problem('expected at least one keyId:base64 entry');
    entries.forEach((entry, index) => {
      const position = `entry ${index + 1}`;
      const separator = entry.indexOf(':');
      if (separator < 0) return problem(`${position} is not in the form keyId:base64`);
      const id = entry.slice(0, separator).trim();
      const encoded = entry.slice(separator + 1).trim();
      if (!KEY_ID_PATTERN.test(id)) {
        return problem(`${position}: the key id must be 1-64 letters, digits, ".", "_" or "-"`);
      }
      if (!BASE64_PATTERN.test(encoded)) return problem(`key "${id}" is not valid base64`);
      const secret = Buffer.from(encoded, 'base64');
      if (secret.length !== KEY_BYTES) {
        return problem(
          `key "${id}" decodes to ${secret.length} bytes, expected ${KEY_BYTES} (${HOW_TO_GENERATE})`,
        );
      }
      if (keys.some((key) => key.id === id)) return problem(`key id "${id}" appears more than once`);
      keys.push({ id, secret });
    });
    return keys;
  });

export const credentialsConfigSchema = z.object({
  ...databaseEnv,
  ...natsEnv,
  HOST: host(),
  CREDENTIALS_PORT: port(4020),
  CREDENTIALS_ENCRYPTION_KEYS: encryptionKeys,
  ...logEnv,
});

export type CredentialsConfig = z.infer<typeof credentialsConfigSchema>;
