import { z } from 'zod';

const MAX_KEYS = 16;
const key = z.string().min(1, 'keys must not be empty').max(64, 'keys are at most 64 characters');
const value = z.string().max(512, 'values are at most 512 characters');

/** Free-form string labels on agents, environments and sessions (limits as in Managed Agents). */
export const metadataSchema = z
  .record(key, value)
  .refine((metadata) => Object.keys(metadata).length <= MAX_KEYS, `at most ${MAX_KEYS} keys`);

/** An update: a null value removes that key; null for the whole object clears it. */
export const metadataPatchSchema = z
  .record(key, value.nullable())
  .refine((metadata) => Object.keys(metadata).length <= MAX_KEYS, `at most ${MAX_KEYS} keys`)
  .nullable();
