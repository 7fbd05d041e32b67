import { z } from 'zod';
import { metadataPatchSchema, metadataSchema } from '../metadata/metadata.schemas';
import { pageQueryFields } from '../pagination/page-query.schemas';
import type { EnvironmentConfig } from './environment.entity';

const nonEmpty = z.string().trim().min(1, 'must not be empty');

const cursorDefaultsSchema = z.strictObject({
  repository: nonEmpty.nullish(),
  ref: nonEmpty.nullish(),
  auto_create_pr: z.boolean().optional(),
});

/** A cloud config as the SDK sends it, plus `cursor` (repository, ref, auto_create_pr defaults). */
export const environmentConfigSchema = z
  .strictObject({
    type: z
      .string()
      .refine(
        (type) => type === 'cloud',
        'only "cloud" environments exist here (Cursor runs agents in its own VMs)',
      ),
    networking: z.looseObject({ type: z.enum(['unrestricted', 'limited']) }).nullish(),
    packages: z.looseObject({}).nullish(),
    cursor: cursorDefaultsSchema.optional(),
  })
  .transform((config): EnvironmentConfig => ({
    type: 'cloud',
    networking: config.networking ?? { type: 'unrestricted' },
    packages: { type: 'packages', apt: [], cargo: [], gem: [], go: [], npm: [], pip: [], ...config.packages },
    cursor: {
      repository: config.cursor?.repository ?? null,
      ref: config.cursor?.ref ?? null,
      auto_create_pr: config.cursor?.auto_create_pr ?? false,
    },
  }));

export const createEnvironmentSchema = z.strictObject({
  name: nonEmpty,
  description: z.string().nullish(),
  config: environmentConfigSchema.nullish(),
  metadata: metadataSchema.optional(),
  scope: z.enum(['organization', 'account']).nullish(),
});
export type CreateEnvironmentInput = z.infer<typeof createEnvironmentSchema>;

export const updateEnvironmentSchema = z.strictObject({
  name: nonEmpty.nullish(),
  description: z.string().nullish(),
  config: environmentConfigSchema.nullish(),
  metadata: metadataPatchSchema.optional(),
  scope: z.enum(['organization', 'account']).nullish(),
});
export type UpdateEnvironmentInput = z.infer<typeof updateEnvironmentSchema>;

export const listEnvironmentsQuerySchema = z.object(pageQueryFields);
export type ListEnvironmentsQuery = z.infer<typeof listEnvironmentsQuerySchema>;
