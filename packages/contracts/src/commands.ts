import { z } from 'zod';

/**
 * Commands on `<P>.cmd.<sessionId>` (a work queue). The gateway writes them; a session runner takes
 * each one from the shared durable consumer. A `user.message` starts the session's first Cursor run or
 * a follow-up run; a `user.interrupt` cancels the live run.
 */
const commandBase = {
  commandId: z.string().min(1),
  sessionId: z.string().min(1),
  ownerId: z.string().min(1),
  issuedAt: z.string(),
};

export const userMessageCommandSchema = z.object({
  ...commandBase,
  type: z.literal('user.message'),
  text: z.string().min(1),
  /** Snapshot of the agent when the message was sent: Cursor's model and the system prompt. */
  agent: z.object({ name: z.string(), model: z.string().nullable(), system: z.string().nullable() }),
  /** Repository context, used when the message creates the Cursor agent. */
  environment: z.object({
    repository: z.string().nullable(),
    ref: z.string().nullable(),
    autoCreatePr: z.boolean(),
  }),
});

export const userInterruptCommandSchema = z.object({
  ...commandBase,
  type: z.literal('user.interrupt'),
});

export const sessionCommandSchema = z.discriminatedUnion('type', [
  userMessageCommandSchema,
  userInterruptCommandSchema,
]);

export type UserMessageCommand = z.infer<typeof userMessageCommandSchema>;
export type UserInterruptCommand = z.infer<typeof userInterruptCommandSchema>;
export type SessionCommand = z.infer<typeof sessionCommandSchema>;
