import { rawRecordSchema, type RawRecord } from '@lap/contracts';
import { decodeJson } from '@lap/messaging';

export type DecodedRawRecord = { ok: true; record: RawRecord } | { ok: false; reason: string };

/**
 * Reads a raw message body as a raw record. The reason given for a body that is not one names only
 * where and how it is wrong, never its content: raw records carry user text.
 */
export function decodeRawRecord(data: Uint8Array): DecodedRawRecord {
  let value: unknown;
  try {
    value = decodeJson(data);
  } catch {
    return { ok: false, reason: 'the body is not JSON' };
  }
  const parsed = rawRecordSchema.safeParse(value);
  if (parsed.success) return { ok: true, record: parsed.data };
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'} (${issue.code})`);
  return { ok: false, reason: `not a raw record: ${problems.join(', ')}` };
}
