import { TE } from '@nats-io/nats-core/internal';

/**
 * UTF-8 bytes of `text` in a slice of Node's shared buffer pool. On Node 20 `TextEncoder.encode`
 * allocates a fresh ArrayBuffer on every call: 1 to 2.7 µs for strings of 20 to 700 characters,
 * against 0.2 to 0.8 µs here, and less garbage.
 */
export function encodeText(text = ''): Uint8Array<ArrayBuffer> {
  return Buffer.from(text, 'utf8');
}

/**
 * Makes nats.js encode through {@link encodeText}: it encodes every protocol line (`HPUB …`) and every
 * header block it sends with its one shared TextEncoder, so each publish paid for two fresh
 * ArrayBuffers. The bytes are the same (both write UTF-8, a lone surrogate as U+FFFD). Idempotent.
 * For its TCP transport only: the websocket one (`wsconnect`) sends `frame.buffer`, which for a pooled
 * slice is the whole pool.
 */
export function usePooledTextEncoding(): void {
  TE.encode = encodeText;
}
