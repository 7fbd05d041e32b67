import { headers as natsHeaders, type MsgHdrs } from '@nats-io/nats-core';

/** NATS message headers from a plain record (undefined when there are none). */
export function toNatsHeaders(values?: Record<string, string>): MsgHdrs | undefined {
  if (!values) return undefined;
  const h = natsHeaders();
  for (const [key, value] of Object.entries(values)) h.set(key, value);
  return h;
}

/** A message's headers as a plain record (the first value of each). */
export function fromNatsHeaders(h: MsgHdrs | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  for (const key of h.keys()) out[key] = h.get(key);
  return out;
}
