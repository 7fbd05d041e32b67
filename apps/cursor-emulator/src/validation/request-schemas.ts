import { z } from 'zod';

/**
 * Request bodies of the v1 API. Objects are strict: Cursor rejects unknown fields (such as the removed
 * `branchName`) with `validation_error`, and so do we.
 */
const promptSchema = z.strictObject({
  text: z.string().min(1, 'must not be empty'),
  images: z
    .array(
      z.strictObject({
        data: z.string(),
        dimension: z.strictObject({ width: z.number(), height: z.number() }).optional(),
      }),
    )
    .max(5, 'at most 5 images')
    .optional(),
});

const repoSchema = z.union([
  z.strictObject({ url: z.string().min(1), startingRef: z.string().optional() }),
  z.strictObject({ prUrl: z.string().min(1) }),
]);

export const createAgentBodySchema = z.strictObject({
  prompt: promptSchema,
  model: z
    .strictObject({
      id: z.string().min(1),
      params: z.array(z.strictObject({ id: z.string(), value: z.unknown() })).optional(),
    })
    .optional(),
  repos: z.array(repoSchema).min(1, 'at least one repository'),
  autoCreatePR: z.boolean().optional(),
  skipReviewerRequest: z.boolean().optional(),
  autoGenerateBranch: z.boolean().optional(),
  envVars: z.record(z.string(), z.string()).optional(),
  name: z.string().min(1).max(200).optional(),
  mcpServers: z.unknown().optional(),
});
export type CreateAgentBody = z.infer<typeof createAgentBodySchema>;

export const createRunBodySchema = z.strictObject({ prompt: promptSchema });
