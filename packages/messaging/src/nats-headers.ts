import { MsgHdrsImpl, type MsgHdrs } from '@nats-io/nats-core';

const LINE_BREAK = /[\r\n]/;

/**
 * NATS message headers from a plain record (undefined when there are none). Built straight from the
 * record: `headers().set()` looks every key up again and again, and on a hot path (every event
 * published) that garbage was a large part of what the services allocate. A line break would end the
 * header block early, so it is refused as `set` refuses it.
 */
export function toNatsHeaders(values?: Record<string, string>): MsgHdrs | undefined {
  if (!values) return undefined;
  const h = new MsgHdrsImpl();
  for (const key in values) {
    if (LINE_BREAK.test(key) || LINE_BREAK.test(values[key])) {
      throw new Error(`NATS header ${JSON.stringify(key)}: names and values cannot contain \\r or \\n`);
    }
    h.headers.set(key, [values[key]]);
  }
  return h;
}

/** A message's headers as a plain record (the first value of each). */
export function fromNatsHeaders(h: MsgHdrs | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  for (const [key, values] of h) out[key] = values[0] ?? '';
  return out;
}
