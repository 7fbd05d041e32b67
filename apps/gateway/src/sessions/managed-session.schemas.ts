import { z } from 'zod';
import { metadataPatchSchema, metadataSchema } from '../metadata/metadata.schemas';
import { pageQueryFields } from '../pagination/page-query.schemas';

const nonEmpty = z.string().trim().min(1, 'must not be empty');

const agentReferenceSchema = z.union(
  [
    nonEmpty.transform((id) => ({ id, version: undefined as number | undefined })),
    z.strictObject({ type: z.literal('agent'), id: nonEmpty, version: z.number().int().min(1).optional() }),
  ],
  { error: 'expected an agent id or {"type": "agent", "id": "agent_…", "version"?: n}' },
);

const checkoutSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('branch'), name: nonEmpty }),
    z.strictObject({
      type: z.literal('commit'),
      sha: z.string().regex(/^[0-9a-f]{7,40}$/i, 'expected a commit sha'),
    }),
  ],
  { error: 'expected {"type": "branch", "name"} or {"type": "commit", "sha"}' },
);

/** The repository Cursor works on. Cursor clones with its own GitHub access, so no token is taken. */
export const githubRepositoryResourceSchema = z.strictObject({
  type: z.literal('github_repository'),
  url: z.url({
    protocol: /^https?$/,
    error: 'expected the repository URL, e.g. https://github.com/org/repo',
  }),
  checkout: checkoutSchema.nullish(),
  mount_path: z.string().nullish(),
});
export type GithubRepositoryResourceInput = z.infer<typeof githubRepositoryResourceSchema>;

const textBlockSchema = z.strictObject({ type: z.literal('text'), text: z.string() });

/** `user.message` with text content: what starts a Cursor run. */
export const userMessageEventSchema = z.strictObject({
  type: z.literal('user.message'),
  content: z.array(textBlockSchema, { error: 'expected an array of {"type": "text", "text"} blocks' }).min(1),
});

export const createManagedSessionSchema = z.strictObject({
  agent: agentReferenceSchema,
  environment_id: nonEmpty,
  title: z.string().nullish(),
  metadata: metadataSchema.optional(),
  resources: z
    .array(
      z.discriminatedUnion('type', [githubRepositoryResourceSchema], {
        error: 'only "github_repository" resources are supported (Cursor works on one GitHub repository)',
      }),
    )
    .max(1, 'at most one github_repository: a Cursor agent works on one repository')
    .optional(),
  initial_events: z
    .array(
      z.discriminatedUnion('type', [userMessageEventSchema], {
        error: 'only user.message events can start a session',
      }),
    )
    .optional(),
  /** Our extension: let Cursor open a pull request when the run ends (else the environment's default). */
  auto_create_pr: z.boolean().optional(),
});
export type CreateManagedSessionInput = z.infer<typeof createManagedSessionSchema>;

export const updateManagedSessionSchema = z.strictObject({
  title: z.string().nullish(),
  metadata: metadataPatchSchema.optional(),
});
export type UpdateManagedSessionInput = z.infer<typeof updateManagedSessionSchema>;

export const listManagedSessionsQuerySchema = z.object({
  ...pageQueryFields,
  agent_id: nonEmpty.optional(),
  order: z.enum(['asc', 'desc']).default('desc'),
});
export type ListManagedSessionsQuery = z.infer<typeof listManagedSessionsQuerySchema>;
