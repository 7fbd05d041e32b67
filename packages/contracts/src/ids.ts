import { hash, randomBytes } from 'crypto';

// Crockford base32, lower case: sortable, unambiguous, URL- and NATS-subject-safe.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

function encodeTime(ms: number): string {
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

const ALPHABET_CODES = Buffer.from(ALPHABET, 'latin1');
/** Room for the longest id body encoded (26 characters): written and read within one call, so shared. */
const encoded = Buffer.alloc(26);

/**
 * The first `length` base32 characters of `bytes`. Written as bytes and read as one string: adding
 * the characters one by one made a chain of strings per id (about 1 KB of garbage for each event).
 */
function encodeBytes(bytes: Uint8Array, length: number): string {
  if (length > encoded.length) throw new RangeError(`ids are at most ${encoded.length} characters long`);
  let count = 0;
  let buffer = 0;
  let bits = 0;
  for (let i = 0; i < bytes.length && count < length; i++) {
    buffer = (buffer << 8) | bytes[i];
    bits += 8;
    while (bits >= 5 && count < length) {
      encoded[count++] = ALPHABET_CODES[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  return encoded.toString('latin1', 0, count);
}

let lastMs = -1;
let lastRandom = '';

/** A ULID-style id body: 10 characters of milliseconds, then 16 random ones; monotonic within a process. */
function sortableBody(now: number): string {
  if (now <= lastMs) {
    // Same (or earlier) millisecond: keep the previous time and bump the random part, so ids stay ordered.
    lastRandom = increment(lastRandom);
    return encodeTime(lastMs) + lastRandom;
  }
  lastMs = now;
  lastRandom = encodeBytes(randomBytes(10), 16);
  return encodeTime(now) + lastRandom;
}

function increment(body: string): string {
  const chars = body.split('');
  for (let i = chars.length - 1; i >= 0; i--) {
    const next = ALPHABET.indexOf(chars[i]) + 1;
    if (next < 32) {
      chars[i] = ALPHABET[next];
      return chars.join('');
    }
    chars[i] = ALPHABET[0];
  }
  return chars.join('');
}

export const IdPrefix = {
  agent: 'agent_',
  session: 'sesn_',
  environment: 'env_',
  event: 'sevt_',
  command: 'cmd_',
} as const;

export const newAgentId = (now = Date.now()) => IdPrefix.agent + sortableBody(now);
export const newSessionId = (now = Date.now()) => IdPrefix.session + sortableBody(now);
export const newEnvironmentId = (now = Date.now()) => IdPrefix.environment + sortableBody(now);
export const newCommandId = (now = Date.now()) => IdPrefix.command + sortableBody(now);

/**
 * The id of the `index`-th event folded from the raw record at `rawSeq` of a session. Deterministic:
 * the same raw record always yields the same event ids, which is what makes re-folding idempotent.
 */
export function eventId(sessionId: string, rawSeq: number, index: number): string {
  // The one-shot `hash` takes half the time of a Hash object on inputs this short (one per event).
  const digest = hash('sha256', `${sessionId}:${rawSeq}:${index}`, 'buffer');
  return IdPrefix.event + encodeBytes(digest, 26);
}

const ID_PATTERNS = {
  agent: /^agent_[0-9a-z]{26}$/,
  session: /^sesn_[0-9a-z]{26}$/,
  environment: /^env_[0-9a-z]{26}$/,
  event: /^sevt_[0-9a-z]{26}$/,
} as const;

export function isId(kind: keyof typeof ID_PATTERNS, value: string): boolean {
  return ID_PATTERNS[kind].test(value);
}
