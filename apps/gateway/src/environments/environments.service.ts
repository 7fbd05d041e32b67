import { Injectable } from '@nestjs/common';
import { newEnvironmentId } from '@lap/contracts';
import { canSee, ownerFilter, type Principal } from '../auth/principal';
import { ApiError } from '../errors/api-error';
import { applyMetadataPatch } from '../metadata/metadata-patch';
import type { Page, PageRequest } from '../pagination/keyset-page';
import { EnvironmentEntity } from './environment.entity';
import { environmentConfigSchema } from './environment.schemas';
import type { CreateEnvironmentInput, UpdateEnvironmentInput } from './environment.schemas';
import { EnvironmentsRepository } from './environments.repository';

@Injectable()
export class EnvironmentsService {
  constructor(private readonly environments: EnvironmentsRepository) {}

  create(principal: Principal, input: CreateEnvironmentInput): Promise<EnvironmentEntity> {
    const now = new Date();
    return this.environments.insert(
      Object.assign(new EnvironmentEntity(), {
        id: newEnvironmentId(now.getTime()),
        ownerId: principal.ownerId,
        name: input.name,
        description: input.description ?? null,
        config: input.config ?? environmentConfigSchema.parse({ type: 'cloud' }),
        metadata: input.metadata ?? {},
        createdAt: now,
        updatedAt: now,
        archivedAt: null,
      } satisfies EnvironmentEntity),
    );
  }

  /** The environment, archived or not; 404 when it does not exist or belongs to someone else. */
  async get(principal: Principal, id: string): Promise<EnvironmentEntity> {
    const environment = await this.environments.find(id);
    if (!environment || !canSee(principal, environment.ownerId)) {
      throw ApiError.notFound(`environment "${id}" not found`);
    }
    return environment;
  }

  /** An environment a new session may use: it must exist and not be archived. */
  async getUsable(principal: Principal, id: string): Promise<EnvironmentEntity> {
    const environment = await this.get(principal, id);
    if (environment.archivedAt) {
      throw ApiError.badRequest(`environment_id: environment "${id}" is archived`);
    }
    return environment;
  }

  list(principal: Principal, includeArchived: boolean, page: PageRequest): Promise<Page<EnvironmentEntity>> {
    return this.environments.page(ownerFilter(principal), includeArchived, page);
  }

  async update(principal: Principal, id: string, input: UpdateEnvironmentInput): Promise<EnvironmentEntity> {
    const environment = await this.get(principal, id);
    Object.assign(environment, {
      ...(input.name != null && { name: input.name }),
      ...(input.description !== undefined && { description: input.description }),
      ...(input.config != null && { config: input.config }),
      metadata: applyMetadataPatch(environment.metadata, input.metadata),
      updatedAt: new Date(),
    });
    return this.environments.save(environment);
  }

  /** Idempotent: archiving an archived environment answers it unchanged. */
  async archive(principal: Principal, id: string): Promise<EnvironmentEntity> {
    const environment = await this.get(principal, id);
    if (environment.archivedAt) return environment;
    const now = new Date();
    Object.assign(environment, { archivedAt: now, updatedAt: now });
    return this.environments.save(environment);
  }

  /** Sessions keep their environment_id and the repository settings they copied from it. */
  async delete(principal: Principal, id: string): Promise<void> {
    await this.get(principal, id);
    await this.environments.delete(id);
  }
}
