import { Injectable } from '@nestjs/common';
import { newAgentId } from '@lap/contracts';
import { canSee, ownerFilter, type Principal } from '../auth/principal';
import { ApiError } from '../errors/api-error';
import { AgentEntity } from './agent.entity';
import type { CreateAgentInput, UpdateAgentInput } from './agent.schemas';
import { AgentsRepository } from './agents.repository';

@Injectable()
export class AgentsService {
  constructor(private readonly agents: AgentsRepository) {}

  async create(principal: Principal, input: CreateAgentInput): Promise<AgentEntity> {
    const now = new Date();
    const agent = Object.assign(new AgentEntity(), {
      id: newAgentId(now.getTime()),
      ownerId: this.ownerFor(principal, input.owner_id),
      name: input.name,
      description: input.description ?? null,
      runtime: input.runtime,
      model: input.model,
      system: input.system ?? null,
      tools: [],
      mcpServers: [],
      metadata: input.metadata ?? {},
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

  /** The agent, or a 404 when it does not exist, is archived, or belongs to someone else. */
  async get(principal: Principal, id: string): Promise<AgentEntity> {
    const agent = await this.agents.findActive(id);
    if (!agent || !canSee(principal, agent.ownerId)) throw ApiError.notFound(`agent "${id}" not found`);
    return agent;
  }

  /** Applies the fields sent; the version goes up only when something actually changed. */
  async update(principal: Principal, id: string, input: UpdateAgentInput): Promise<AgentEntity> {
    const agent = await this.get(principal, id);
    const changes: Partial<AgentEntity> = {
      ...(input.name !== undefined && { name: input.name }),
      ...(input.owner_id !== undefined && { ownerId: this.ownerFor(principal, input.owner_id) }),
      ...(input.runtime !== undefined && { runtime: input.runtime }),
      ...(input.model !== undefined && { model: input.model }),
      ...(input.system !== undefined && { system: input.system }),
      ...(input.description !== undefined && { description: input.description }),
      ...(input.metadata !== undefined && { metadata: input.metadata }),
    };
    const changed = Object.entries(changes).some(
      ([key, value]) => JSON.stringify(agent[key as keyof AgentEntity]) !== JSON.stringify(value),
    );
    if (!changed) return agent;
    Object.assign(agent, changes, { version: agent.version + 1, updatedAt: new Date() });
    return this.agents.save(agent);
  }

  /** Archives rather than deletes: sessions keep pointing at the agent they ran. */
  async archive(principal: Principal, id: string): Promise<void> {
    const agent = await this.get(principal, id);
    const now = new Date();
    Object.assign(agent, { status: 'archived', archivedAt: now, updatedAt: now, version: agent.version + 1 });
    await this.agents.save(agent);
  }

  private ownerFor(principal: Principal, requested: string | undefined): string {
    if (requested === undefined) return principal.ownerId;
    if (!principal.actsForAnyOwner && requested !== principal.ownerId) {
      throw ApiError.badRequest(`owner_id: you may only create agents for "${principal.ownerId}"`);
    }
    return requested;
  }
}
