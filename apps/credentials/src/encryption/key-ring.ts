import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'crypto';
import {
  openSealedSecret,
  sealingKeyPairFromSeed,
  type SealedSecret,
  type SealingKeyPair,
} from '@lap/contracts';

/** One entry of CREDENTIALS_ENCRYPTION_KEYS: 32 secret bytes and the id stored next to what they encrypt. */
export interface EncryptionKey {
  readonly id: string;
  readonly secret: Buffer;
}

/** A secret at rest: AES-256-GCM output plus the id of the key that produced it. */
export interface EncryptedSecret {
  keyId: string;
  iv: Buffer;
  ciphertext: Buffer;
  authTag: Buffer;
}

/** Raised when stored ciphertext cannot be read back; the message never contains secret material. */
export class UndecryptableSecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UndecryptableSecretError';
  }
}

const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const SEALING_INFO = Buffer.from('lap credentials sealing v1');

/**
 * The service's keys. The first (active) key encrypts; every key decrypts, so rows written before a
 * rotation stay readable. The X25519 key pair that senders seal API keys for is derived from the active
 * key, so every replica configured with the same keys publishes the same public key.
 */
export class KeyRing {
  readonly activeKeyId: string;
  /** What `publicKey` hands out: senders seal new API keys for this pair. */
  readonly sealingKeyPair: SealingKeyPair;
  private readonly secrets: ReadonlyMap<string, Buffer>;
  /** Active first; older pairs still open boxes sealed by a sender that saw a replica not yet rotated. */
  private readonly openingKeyPairs: readonly SealingKeyPair[];

  constructor(keys: readonly EncryptionKey[]) {
    if (keys.length === 0) throw new Error('a key ring needs at least one encryption key');
    for (const key of keys) {
      if (key.secret.length !== 32) throw new Error(`encryption key "${key.id}" must be 32 bytes`);
    }
    this.secrets = new Map(keys.map((key) => [key.id, key.secret]));
    if (this.secrets.size !== keys.length) throw new Error('encryption key ids must be unique');
    this.activeKeyId = keys[0].id;
    this.openingKeyPairs = keys.map((key) => deriveSealingKeyPair(key.secret));
    this.sealingKeyPair = this.openingKeyPairs[0];
  }

  /**
   * `context` is bound to the ciphertext as associated data: a row copied onto another owner's record
   * fails to decrypt instead of handing that owner someone else's key.
   */
  encrypt(plaintext: string, context: string): EncryptedSecret {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(CIPHER, this.secrets.get(this.activeKeyId)!, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { keyId: this.activeKeyId, iv, ciphertext, authTag: cipher.getAuthTag() };
  }

  decrypt(secret: EncryptedSecret, context: string): string {
    const key = this.secrets.get(secret.keyId);
    if (!key) {
      throw new UndecryptableSecretError(
        `encrypted with key id "${secret.keyId}", which is not among the configured keys`,
      );
    }
    try {
      const decipher = createDecipheriv(CIPHER, key, secret.iv);
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(secret.authTag);
      return Buffer.concat([decipher.update(secret.ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new UndecryptableSecretError(`failed authentication under key id "${secret.keyId}"`);
    }
  }

  /** Opens a box sealed for this ring's public key (or for one derived from an older key). */
  openSealed(sealed: SealedSecret): string {
    for (const keyPair of this.openingKeyPairs) {
      try {
        return openSealedSecret(sealed, keyPair);
      } catch {
        // Sealed for another pair (or tampered with): try the next one.
      }
    }
    throw new UndecryptableSecretError('the sealed secret opens with none of the configured keys');
  }
}

function deriveSealingKeyPair(encryptionKey: Buffer): SealingKeyPair {
  const seed = Buffer.from(hkdfSync('sha256', encryptionKey, Buffer.alloc(0), SEALING_INFO, 32));
  return sealingKeyPairFromSeed(seed);
}
