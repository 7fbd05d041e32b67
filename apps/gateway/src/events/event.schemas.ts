import { z } from 'zod';

/** An event position: a stream sequence (the SSE `id:`) or an event id (`sevt_…`). */
const position = z
  .string()
  .regex(/^(\d+|sevt_[0-9a-z]+)$/, 'expected an SSE id (a number) or an event id (sevt_…)');
const flag = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

export const streamQuerySchema = z.object({
  /** Continue after this event (like Last-Event-ID, which wins when both are given). */
  after: position.optional(),
  /** Skip history: only events published from now on. */
  live_only: flag.optional(),
});
export type StreamQuery = z.infer<typeof streamQuerySchema>;

export const listEventsQuerySchema = z.object({
  limit: z.coerce.number().int('expected a whole number').min(1).max(1000).default(100),
  after: position.optional(),
  /** The `next_page` of a previous answer (the Managed Agents SDK pages this way). */
  page: position.optional(),
});
export type ListEventsQuery = z.infer<typeof listEventsQuerySchema>;
