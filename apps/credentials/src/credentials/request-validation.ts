import { RpcCallError } from '@lap/messaging';

/**
 * Checks the contract's schemas cannot express. Each failure is an `invalid_request` naming the field,
 * in the same `field: problem` form RpcServer uses for schema errors.
 */
export function invalidRequest(field: string, problem: string): RpcCallError {
  return new RpcCallError('invalid_request', `${field}: ${problem}`);
}

export function requireOwnerId(ownerId: string): string {
  if (ownerId.trim() === '') throw invalidRequest('ownerId', 'must not be empty');
  return ownerId;
}

/** The runner sends the key to this address, so only http(s) makes sense. */
export function requireApiBase(apiBase: string): string {
  let url: URL;
  try {
    url = new URL(apiBase);
  } catch {
    throw invalidRequest('apiBase', 'expected an http(s) URL such as https://api.cursor.com');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw invalidRequest('apiBase', 'expected an http(s) URL such as https://api.cursor.com');
  }
  return apiBase;
}

/** A raw X25519 public key: 32 bytes, base64. */
export function requireReplyPublicKey(publicKey: string): string {
  if (!/^[A-Za-z0-9+/]{43}=$/.test(publicKey) || Buffer.from(publicKey, 'base64').length !== 32) {
    throw invalidRequest('replyPublicKey', 'expected a base64 X25519 public key (32 bytes)');
  }
  return publicKey;
}
