import { randomBytes } from 'crypto';
import { newSealingKeyPair, openSealedSecret, sealingKeyPairFromSeed, sealSecret } from './sealed-secret';

describe('sealed secrets', () => {
  it('opens only for the recipient, and never carries the plaintext', () => {
    const recipient = newSealingKeyPair();
    const sealed = sealSecret('cursor-key-1234567890', recipient.publicKey);
    expect(JSON.stringify(sealed)).not.toContain('cursor-key');
    expect(openSealedSecret(sealed, recipient)).toBe('cursor-key-1234567890');
    expect(() => openSealedSecret(sealed, newSealingKeyPair())).toThrow();
  });

  it('derives the same key pair from the same seed (replicas agree)', () => {
    const seed = randomBytes(32);
    const a = sealingKeyPairFromSeed(seed);
    const b = sealingKeyPairFromSeed(seed);
    expect(a.publicKey).toBe(b.publicKey);
    expect(openSealedSecret(sealSecret('k', a.publicKey), b)).toBe('k');
  });

  it('detects tampering', () => {
    const recipient = newSealingKeyPair();
    const sealed = sealSecret('secret', recipient.publicKey);
    const flipped = Buffer.from(sealed.ciphertext, 'base64');
    flipped[0] ^= 1;
    expect(() =>
      openSealedSecret({ ...sealed, ciphertext: flipped.toString('base64') }, recipient),
    ).toThrow();
  });
});
