import { randomBytes } from 'crypto';
import { newSealingKeyPair, sealSecret } from '@lap/contracts';
import { KeyRing, UndecryptableSecretError, type EncryptionKey } from './key-ring';

const key = (id: string): EncryptionKey => ({ id, secret: randomBytes(32) });
const API_KEY = 'crsr_live_0123456789abcdef';
const CONTEXT = '["owner-1","cursor"]';

describe('KeyRing', () => {
  it('encrypts with the active key, with a fresh IV each time, and decrypts back', () => {
    const ring = new KeyRing([key('k1'), key('k0')]);
    const first = ring.encrypt(API_KEY, CONTEXT);
    const second = ring.encrypt(API_KEY, CONTEXT);
    expect(first.keyId).toBe('k1');
    expect(first.iv).toHaveLength(12);
    expect(first.authTag).toHaveLength(16);
    expect(first.iv.equals(second.iv)).toBe(false);
    expect(first.ciphertext.includes(Buffer.from(API_KEY))).toBe(false);
    expect(ring.decrypt(first, CONTEXT)).toBe(API_KEY);
  });

  it('still decrypts what an older key encrypted after a rotation', () => {
    const old = key('old');
    const beforeRotation = new KeyRing([old]).encrypt(API_KEY, CONTEXT);
    const rotated = new KeyRing([key('new'), old]);
    expect(rotated.activeKeyId).toBe('new');
    expect(rotated.decrypt(beforeRotation, CONTEXT)).toBe(API_KEY);
    expect(rotated.encrypt(API_KEY, CONTEXT).keyId).toBe('new');
  });

  it('refuses a key id it does not hold, a tampered ciphertext, and another context', () => {
    const ring = new KeyRing([key('k1')]);
    const encrypted = ring.encrypt(API_KEY, CONTEXT);
    const tampered = Buffer.from(encrypted.ciphertext);
    tampered[0] ^= 1;
    expect(() => new KeyRing([key('k2')]).decrypt(encrypted, CONTEXT)).toThrow(/key id "k1"/);
    expect(() => ring.decrypt({ ...encrypted, ciphertext: tampered }, CONTEXT)).toThrow(
      UndecryptableSecretError,
    );
    expect(() => ring.decrypt(encrypted, '["owner-2","cursor"]')).toThrow(UndecryptableSecretError);
  });

  it('derives the same sealing public key on every replica with the same active key', () => {
    const keys = [key('k1'), key('k0')];
    const replicaA = new KeyRing(keys);
    const replicaB = new KeyRing(keys.map((k) => ({ id: k.id, secret: Buffer.from(k.secret) })));
    expect(replicaA.sealingKeyPair.publicKey).toBe(replicaB.sealingKeyPair.publicKey);
    expect(new KeyRing([key('k1')]).sealingKeyPair.publicKey).not.toBe(replicaA.sealingKeyPair.publicKey);
    expect(replicaB.openSealed(sealSecret(API_KEY, replicaA.sealingKeyPair.publicKey))).toBe(API_KEY);
  });

  it('opens boxes sealed for an older key, and no others', () => {
    const old = key('old');
    const sealedBeforeRotation = sealSecret(API_KEY, new KeyRing([old]).sealingKeyPair.publicKey);
    const rotated = new KeyRing([key('new'), old]);
    expect(rotated.openSealed(sealedBeforeRotation)).toBe(API_KEY);
    const sealedForStranger = sealSecret(API_KEY, newSealingKeyPair().publicKey);
    expect(() => rotated.openSealed(sealedForStranger)).toThrow(UndecryptableSecretError);
  });

  it('rejects keys of the wrong length and duplicate ids', () => {
    expect(() => new KeyRing([])).toThrow(/at least one/);
    expect(() => new KeyRing([{ id: 'short', secret: randomBytes(16) }])).toThrow(/"short" must be 32 bytes/);
    expect(() => new KeyRing([key('same'), key('same')])).toThrow(/unique/);
  });
});
