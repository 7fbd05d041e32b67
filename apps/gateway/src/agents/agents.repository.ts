import { Inject, Injectable } from '@nestjs/common';
import { DataSource, IsNull, type Repository } from 'typeorm';
import { AgentEntity } from './agent.entity';

/** The `agents` table. Archived agents are kept (sessions snapshot them) but hidden from reads. */
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

  findActive(id: string): Promise<AgentEntity | null> {
    return this.agents.findOneBy({ id, archivedAt: IsNull() });
  }

  /** Newest first; every owner when `ownerId` is undefined. */
  listActive(ownerId: string | undefined): Promise<AgentEntity[]> {
    return this.agents.find({
      where: { archivedAt: IsNull(), ...(ownerId === undefined ? {} : { ownerId }) },
      order: { createdAt: 'DESC', id: 'DESC' },
    });
  }

  async save(agent: AgentEntity): Promise<AgentEntity> {
    return this.agents.save(agent);
  }
}
