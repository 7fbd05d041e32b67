import { z } from 'zod';

/** `?true` style flags as query strings carry them. */
export const queryFlag = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1');

/** The query fields every Managed Agents list takes. */
export const pageQueryFields = {
  limit: z.coerce.number().int('expected a whole number').min(1).max(100).default(20),
  page: z.string().min(1).optional(),
  include_archived: queryFlag.default(false),
};
