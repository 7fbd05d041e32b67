import { z } from 'zod';
import { userMessageEventSchema } from '../sessions/managed-session.schemas';

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
  /** Oldest first (the default) or newest first. */
  order: z.enum(['asc', 'desc']).default('asc'),
  /** Start after this event, in the list's order. */
  after: position.optional(),
  /** The `next_page` of a previous answer (the Managed Agents SDK pages this way). */
  page: position.optional(),
});
export type ListEventsQuery = z.infer<typeof listEventsQuerySchema>;

const SENDABLE = ['user.message', 'user.interrupt'];

const userInterruptEventSchema = z.strictObject({
  type: z.literal('user.interrupt'),
  session_thread_id: z.string().nullish(),
});

/** What a client may send into a session; any other event type is a 400 naming the two accepted. */
export const sendEventsSchema = z.strictObject({
  events: z
    .array(
      z.discriminatedUnion('type', [userMessageEventSchema, userInterruptEventSchema], {
        error: (issue) => {
          const type = (issue.input as { type?: unknown } | undefined)?.type;
          return typeof type === 'string' && !SENDABLE.includes(type)
            ? `event type "${type}" is not supported here; send ${SENDABLE.join(' or ')}`
            : `expected an event with "type": ${SENDABLE.map((t) => `"${t}"`).join(' or ')}`;
        },
      }),
    )
    .min(1, 'expected at least one event'),
});
export type SendEventsInput = z.infer<typeof sendEventsSchema>;
