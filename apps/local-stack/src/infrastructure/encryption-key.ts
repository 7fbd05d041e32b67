import { randomBytes } from 'crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import path from 'path';

/**
 * The credentials service's at-rest key for local use: generated once, kept (mode 0600) in the data
 * folder so stored API keys survive restarts. Production sets CREDENTIALS_ENCRYPTION_KEYS itself.
 */
export function localEncryptionKeys(dataDir: string): string {
  const file = path.join(dataDir, 'credentials-encryption-keys');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const keys = `local1:${randomBytes(32).toString('base64')}`;
  writeFileSync(file, `${keys}\n`, { mode: 0o600 });
  return keys;
}
