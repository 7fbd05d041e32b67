import { z } from 'zod';
import { isKnownRuntime, unknownRuntimeMessage } from '../runtimes/runtime-catalog';

const nonEmpty = z.string().trim().min(1, 'must not be empty');
const runtime = z
  .string()
  .refine(isKnownRuntime, { error: (issue) => unknownRuntimeMessage(String(issue.input)) });
const metadata = z.record(z.string(), z.string());

export const createAgentSchema = z.object({
  name: nonEmpty,
  owner_id: nonEmpty.optional(),
  runtime,
  model: nonEmpty,
  system: z.string().nullish(),
  description: z.string().nullish(),
  metadata: metadata.optional(),
});
export type CreateAgentInput = z.infer<typeof createAgentSchema>;

/** Every field optional; a field sent as null clears it where that makes sense. */
export const updateAgentSchema = z.object({
  name: nonEmpty.optional(),
  owner_id: nonEmpty.optional(),
  runtime: runtime.optional(),
  model: nonEmpty.optional(),
  system: z.string().nullish(),
  description: z.string().nullish(),
  metadata: metadata.optional(),
});
export type UpdateAgentInput = z.infer<typeof updateAgentSchema>;

export const listAgentsQuerySchema = z.object({ owner_id: z.string().min(1).optional() });
export type ListAgentsQuery = z.infer<typeof listAgentsQuerySchema>;
