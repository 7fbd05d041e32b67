import { z } from 'zod';
import { isKnownRuntime, unknownRuntimeMessage } from '../runtimes/runtime-catalog';
import type { SessionEnvironment } from './session.entity';

const nonEmpty = z.string().trim().min(1, 'must not be empty');

/**
 * LAP's environment, in every spelling its clients send: `repository`/`ref` or
 * `source.repository`/`source.ref`, `auto_create_pr` or `autoCreatePr`; `model` overrides the agent's.
 */
const environmentSchema = z
  .object({
    repository: nonEmpty.nullish(),
    ref: nonEmpty.nullish(),
    auto_create_pr: z.boolean().optional(),
    autoCreatePr: z.boolean().optional(),
    model: nonEmpty.optional(),
    source: z.object({ repository: nonEmpty.nullish(), ref: nonEmpty.nullish() }).optional(),
  })
  .transform((env): SessionEnvironment & { model?: string } => ({
    repository: env.repository ?? env.source?.repository ?? null,
    ref: env.ref ?? env.source?.ref ?? null,
    auto_create_pr: env.auto_create_pr ?? env.autoCreatePr ?? false,
    ...(env.model === undefined ? {} : { model: env.model }),
  }));

export const createSessionSchema = z.object({
  runtime: z
    .string()
    .refine(isKnownRuntime, { error: (issue) => unknownRuntimeMessage(String(issue.input)) })
    .optional(),
  agent_id: nonEmpty,
  prompt: nonEmpty.optional(),
  title: z.string().trim().optional(),
  environment: environmentSchema.optional(),
});
export type CreateSessionInput = z.infer<typeof createSessionSchema>;

export const promptSchema = z.object({
  parts: z
    .array(z.object({ type: z.literal('text'), text: z.string() }))
    .min(1, 'expected at least one part'),
  model: nonEmpty.optional(),
});
export type PromptInput = z.infer<typeof promptSchema>;
