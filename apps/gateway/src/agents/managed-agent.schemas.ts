import { z } from 'zod';
import { DEFAULT_RUNTIME } from '../runtimes/runtime-catalog';
import { isKnownRuntime, unknownRuntimeMessage } from '../runtimes/runtime-catalog';
import { metadataPatchSchema, metadataSchema } from '../metadata/metadata.schemas';
import { pageQueryFields } from '../pagination/page-query.schemas';

const nonEmpty = z.string().trim().min(1, 'must not be empty');

/**
 * `"<id>"` or `{id, speed?, effort?, …}`. Cursor takes a model name only, so the options are accepted
 * and not kept.
 */
const modelSchema = z
  .union([nonEmpty, z.looseObject({ id: nonEmpty })], { error: 'expected a model id or {"id": "<model>"}' })
  .transform((model) => (typeof model === 'string' ? model : model.id));

const toolSchema = z.looseObject({ type: nonEmpty });
const mcpServerSchema = z.strictObject({ type: z.literal('url'), name: nonEmpty, url: z.url() });

/** Our extension: the runtime the agent runs on (only `cursor` today, the default). */
const runtimeSchema = z
  .string()
  .refine(isKnownRuntime, { error: (issue) => unknownRuntimeMessage(String(issue.input)) });

export const createManagedAgentSchema = z.strictObject({
  name: nonEmpty,
  model: modelSchema,
  system: z.string().nullish(),
  description: z.string().nullish(),
  tools: z.array(toolSchema).optional(),
  mcp_servers: z.array(mcpServerSchema).optional(),
  metadata: metadataSchema.optional(),
  runtime: runtimeSchema.default(DEFAULT_RUNTIME),
});
export type CreateManagedAgentInput = z.infer<typeof createManagedAgentSchema>;

export const updateManagedAgentSchema = z.strictObject({
  /** The version the caller read: a mismatch is a 409 instead of a lost update. */
  version: z.number().int().min(1).optional(),
  name: nonEmpty.optional(),
  model: modelSchema.optional(),
  system: z.string().nullish(),
  description: z.string().nullish(),
  tools: z.array(toolSchema).nullish(),
  mcp_servers: z.array(mcpServerSchema).nullish(),
  metadata: metadataPatchSchema.optional(),
});
export type UpdateManagedAgentInput = z.infer<typeof updateManagedAgentSchema>;

export const listManagedAgentsQuerySchema = z.object(pageQueryFields);
export type ListManagedAgentsQuery = z.infer<typeof listManagedAgentsQuerySchema>;

export const retrieveManagedAgentQuerySchema = z.object({
  version: z.coerce.number().int().min(1).optional(),
});
export type RetrieveManagedAgentQuery = z.infer<typeof retrieveManagedAgentQuerySchema>;
