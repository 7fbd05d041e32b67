import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  KeyObject,
  randomBytes,
} from 'crypto';

/**
 * A secret sealed for one recipient (X25519 + HKDF-SHA256 + AES-256-GCM), so an API key can cross NATS
 * without any message on the wire carrying it in the clear. The gateway seals a new key for the
 * credentials service; the credentials service seals a resolved key for the runner that asked.
 */
export interface SealedSecret {
  /** The sender's one-time public key, base64 (raw 32 bytes). */
  epk: string;
  iv: string;
  ciphertext: string;
  tag: string;
}

const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
const INFO = Buffer.from('lap sealed secret v1');

export interface SealingKeyPair {
  privateKey: KeyObject;
  /** Raw 32-byte public key, base64: what a sender needs. */
  publicKey: string;
}

export function newSealingKeyPair(): SealingKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  return { privateKey, publicKey: rawPublicKey(publicKey) };
}

/** A key pair derived from a 32-byte seed: every replica holding the same seed opens the same boxes. */
export function sealingKeyPairFromSeed(seed: Buffer): SealingKeyPair {
  if (seed.length !== 32) throw new Error('a sealing seed must be 32 bytes');
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_X25519_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  return { privateKey, publicKey: rawPublicKey(createPublicKey(privateKey)) };
}

export function sealSecret(plaintext: string, recipientPublicKey: string): SealedSecret {
  const ephemeral = generateKeyPairSync('x25519');
  const recipient = createPublicKey({
    key: Buffer.concat([SPKI_X25519_PREFIX, Buffer.from(recipientPublicKey, 'base64')]),
    format: 'der',
    type: 'spki',
  });
  const epk = rawPublicKey(ephemeral.publicKey);
  const key = deriveKey(diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient }), epk);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return {
    epk,
    iv: iv.toString('base64'),
    ciphertext: ciphertext.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
  };
}

export function openSealedSecret(sealed: SealedSecret, recipient: SealingKeyPair): string {
  const sender = createPublicKey({
    key: Buffer.concat([SPKI_X25519_PREFIX, Buffer.from(sealed.epk, 'base64')]),
    format: 'der',
    type: 'spki',
  });
  const key = deriveKey(diffieHellman({ privateKey: recipient.privateKey, publicKey: sender }), sealed.epk);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  return Buffer.concat([
    decipher.update(Buffer.from(sealed.ciphertext, 'base64')),
    decipher.final(),
  ]).toString('utf8');
}

function deriveKey(shared: Buffer, epk: string): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, Buffer.from(epk, 'base64'), INFO, 32));
}

function rawPublicKey(key: KeyObject): string {
  return (key.export({ format: 'der', type: 'spki' }) as Buffer)
    .subarray(SPKI_X25519_PREFIX.length)
    .toString('base64');
}
