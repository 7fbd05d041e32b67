import { MsgHdrsImpl, type Msg, type MsgHdrs } from '@nats-io/nats-core';
import type { JsMsg } from '@nats-io/jetstream';
import { encodeText } from './pooled-text-encoding';

const LINE_BREAK = /[\r\n]/;
const decoder = new TextDecoder();

/**
 * Headers for a message to publish, from plain records (undefined values left out, a later record's
 * value replacing an earlier one's; undefined when no header remains), written once as the header
 * block nats.js sends. Publishing, nats.js only asks its headers to `encode()` themselves; its own
 * `MsgHdrs` fills a Map of arrays and walks it to write the same text: about 7 µs per publish against
 * under 3 this way, and the normalizer publishes every event. So the result is write-only: reading a
 * header back finds nothing, and adding one throws. A line break would end the block early, so it is
 * refused as `set` refuses it.
 */
export function toNatsHeaders(
  ...records: Array<Record<string, string | number | undefined> | undefined>
): MsgHdrs | undefined {
  let block = '';
  for (let r = 0; r < records.length; r++) {
    const values = records[r];
    for (const name in values) {
      const value = values[name];
      if (value === undefined || givenLater(records, r, name)) continue;
      const text = String(value);
      if (LINE_BREAK.test(name) || LINE_BREAK.test(text)) {
        throw new Error(`NATS header ${JSON.stringify(name)}: names and values cannot contain \\r or \\n`);
      }
      block += `\r\n${name}: ${text}`;
    }
  }
  return block === '' ? undefined : new EncodedHeaders(`NATS/1.0${block}\r\n\r\n`);
}

function givenLater(
  records: Array<Record<string, unknown> | undefined>,
  after: number,
  name: string,
): boolean {
  for (let r = after + 1; r < records.length; r++) if (records[r]?.[name] !== undefined) return true;
  return false;
}

/** Headers that are only ever encoded: the block is written once, when they are made. */
class EncodedHeaders extends MsgHdrsImpl {
  constructor(private readonly block: string) {
    super();
  }

  override toString(): string {
    return this.block;
  }

  override encode(): Uint8Array {
    return encodeText(this.block);
  }

  // A header added here would not be sent (e.g. `js.publish` adding `Nats-Msg-Id` for its `msgID`).
  override set(): never {
    throw new Error('these NATS headers are written once: give every header to toNatsHeaders');
  }

  override append(): never {
    return this.set();
  }

  override delete(): never {
    return this.set();
  }
}

/** A message's headers as a plain record (the first value of each). */
export function fromNatsHeaders(h: MsgHdrs | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  for (const [key, values] of h) out[key] = values[0] ?? '';
  return out;
}

/**
 * A received message's headers as a plain record, as `fromNatsHeaders(message.headers)` gives them,
 * read straight from the header block the message arrived with. The client's own decoding (its
 * `MsgHdrs`: every key canonicalised character by character, looked up among the keys so far, its
 * value checked by a regular expression) was the largest allocation of the normalizer and the gateway,
 * which decode every message's headers. A message that does not expose its block falls back to that.
 */
export function headersOf(message: Msg | JsMsg): Record<string, string> {
  const block = headerBlockOf(message);
  if (block === undefined) return fromNatsHeaders(message.headers);
  return block === null ? {} : parseHeaderBlock(decoder.decode(block));
}

/** The fields of nats.js's received message that hold its bytes (`MsgImpl`; a `JsMsg` wraps one). */
interface ReceivedBytes {
  _msg?: { hdr?: unknown };
  _rdata?: unknown;
}

/**
 * The header block a message arrived with: null when it had none, undefined when the message does not
 * expose it (not one the client received). Reads the client's private fields, which a test pins
 * against the real server, so an upgrade that moves them fails that test instead of silently slowing.
 */
export function headerBlockOf(message: Msg | JsMsg): Uint8Array | null | undefined {
  const received = ((message as { msg?: unknown }).msg ?? message) as ReceivedBytes;
  const length = received._msg?.hdr;
  const bytes = received._rdata;
  if (typeof length !== 'number' || !(bytes instanceof Uint8Array) || length > bytes.length) {
    return undefined;
  }
  return length > 0 ? bytes.subarray(0, length) : null;
}

/**
 * `NATS/1.0[ status]` then `Name: value` lines, each ended by CRLF. As the client reads them: the name
 * is everything before the first colon, the value is trimmed, the first value of a repeated name wins,
 * and a line without a colon is skipped.
 */
export function parseHeaderBlock(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let start = text.indexOf('\r\n');
  while (start !== -1) {
    start += 2;
    const next = text.indexOf('\r\n', start);
    const end = next === -1 ? text.length : next;
    const colon = text.indexOf(':', start);
    if (colon !== -1 && colon < end) {
      const name = text.slice(start, colon);
      if (!Object.hasOwn(out, name)) out[name] = text.slice(colon + 1, end).trim();
    }
    start = next;
  }
  return out;
}
