import { Injectable } from '@nestjs/common';
import { newAgentId } from '@lap/contracts';
import { canSee, ownerFilter, type Principal } from '../auth/principal';
import { ApiError } from '../errors/api-error';
import { AgentEntity } from './agent.entity';
import type { AgentChanges, AgentDraft } from './agent-draft';
import { AgentsRepository } from './agents.repository';
import type { Page, PageRequest } from '../pagination/keyset-page';

@Injectable()
export class AgentsService {
  constructor(private readonly agents: AgentsRepository) {}

  async create(principal: Principal, draft: AgentDraft): Promise<AgentEntity> {
    const now = new Date();
    const agent = Object.assign(new AgentEntity(), {
      id: newAgentId(now.getTime()),
      ownerId: this.ownerFor(principal, draft.ownerId),
      name: draft.name,
      description: draft.description,
      runtime: draft.runtime,
      model: draft.model,
      system: draft.system,
      tools: draft.tools,
      mcpServers: draft.mcpServers,
      metadata: draft.metadata,
      version: 1,
      status: 'active',
      createdAt: now,
      updatedAt: now,
      archivedAt: null,
    } satisfies AgentEntity);
    return this.agents.insert(agent);
  }

  list(principal: Principal, ownerId?: string): Promise<AgentEntity[]> {
    return this.agents.listActive(ownerFilter(principal, ownerId));
  }

  /** A page of agents, newest first (Managed Agents lists). */
  page(principal: Principal, includeArchived: boolean, request: PageRequest): Promise<Page<AgentEntity>> {
    return this.agents.page(ownerFilter(principal), includeArchived, request);
  }

  /** The agent, or a 404 when it does not exist, is archived, or belongs to someone else. */
  async get(principal: Principal, id: string): Promise<AgentEntity> {
    const agent = await this.find(principal, id);
    if (agent.archivedAt) throw ApiError.notFound(`agent "${id}" not found`);
    return agent;
  }

  /** The agent, archived or not (Managed Agents keeps archived agents readable). */
  async find(principal: Principal, id: string): Promise<AgentEntity> {
    const agent = await this.agents.find(id);
    if (!agent || !canSee(principal, agent.ownerId)) throw ApiError.notFound(`agent "${id}" not found`);
    return agent;
  }

  /**
   * Applies the fields sent; the version goes up only when something actually changed. With
   * `expectedVersion`, a caller that read an older version gets a 409 instead of overwriting.
   */
  async update(
    principal: Principal,
    id: string,
    changes: AgentChanges,
    expectedVersion?: number,
  ): Promise<AgentEntity> {
    const agent = await this.get(principal, id);
    if (expectedVersion !== undefined && expectedVersion !== agent.version) {
      throw versionConflict(id, agent.version, expectedVersion);
    }
    const { ownerId, ...rest } = changes;
    const fields: Partial<AgentEntity> = {
      ...definedOnly(rest),
      ...(ownerId !== undefined && { ownerId: this.ownerFor(principal, ownerId) }),
    };
    const changed = Object.entries(fields).some(
      ([key, value]) => JSON.stringify(agent[key as keyof AgentEntity]) !== JSON.stringify(value),
    );
    if (!changed) return agent;
    const updated = await this.agents.updateAtVersion(id, agent.version, {
      ...fields,
      version: agent.version + 1,
      updatedAt: new Date(),
    });
    // Someone else changed it between our read and our write.
    if (!updated) throw versionConflict(id, (await this.find(principal, id)).version, agent.version);
    return updated;
  }

  /** Archives rather than deletes: sessions keep pointing at the agent they ran. Idempotent. */
  async archive(principal: Principal, id: string): Promise<AgentEntity> {
    const agent = await this.find(principal, id);
    if (agent.archivedAt) return agent;
    const now = new Date();
    Object.assign(agent, { status: 'archived', archivedAt: now, updatedAt: now });
    return this.agents.save(agent);
  }

  private ownerFor(principal: Principal, requested: string | undefined): string {
    if (requested === undefined) return principal.ownerId;
    if (!principal.actsForAnyOwner && requested !== principal.ownerId) {
      throw ApiError.badRequest(`owner_id: you may only create agents for "${principal.ownerId}"`);
    }
    return requested;
  }
}

function versionConflict(id: string, current: number, expected: number): ApiError {
  return new ApiError(
    409,
    `agent "${id}" is at version ${current}, not ${expected}: read it again and retry the update`,
  );
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}
