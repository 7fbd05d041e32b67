import { Inject, Injectable } from '@nestjs/common';
import { DataSource, IsNull, type Repository } from 'typeorm';
import { fetchKeysetPage, type Page, type PageRequest } from '../pagination/keyset-page';
import { AgentEntity } from './agent.entity';

/** The `agents` table. Archived agents are kept (sessions snapshot them and Managed Agents reads them). */
@Injectable()
export class AgentsRepository {
  private readonly agents: Repository<AgentEntity>;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.agents = dataSource.getRepository(AgentEntity);
  }

  async insert(agent: AgentEntity): Promise<AgentEntity> {
    await this.agents.insert(agent);
    return agent;
  }

  /** Archived or not. */
  find(id: string): Promise<AgentEntity | null> {
    return this.agents.findOneBy({ id });
  }

  /** Newest first; every owner when `ownerId` is undefined. */
  listActive(ownerId: string | undefined): Promise<AgentEntity[]> {
    return this.agents.find({
      where: { archivedAt: IsNull(), ...(ownerId === undefined ? {} : { ownerId }) },
      order: { createdAt: 'DESC', id: 'DESC' },
    });
  }

  page(
    ownerId: string | undefined,
    includeArchived: boolean,
    request: PageRequest,
  ): Promise<Page<AgentEntity>> {
    const query = this.agents.createQueryBuilder('agent').where('true');
    if (ownerId !== undefined) query.andWhere('agent.owner_id = :ownerId', { ownerId });
    if (!includeArchived) query.andWhere('agent.archived_at IS NULL');
    return fetchKeysetPage(query, request);
  }

  /** Writes the fields only while the row is still at `version`; null when it moved on meanwhile. */
  async updateAtVersion(
    id: string,
    version: number,
    fields: Partial<AgentEntity>,
  ): Promise<AgentEntity | null> {
    const result = await this.agents.update({ id, version }, fields);
    if ((result.affected ?? 0) === 0) return null;
    return this.find(id);
  }

  save(agent: AgentEntity): Promise<AgentEntity> {
    return this.agents.save(agent);
  }
}
