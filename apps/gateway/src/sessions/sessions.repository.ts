import { Inject, Injectable } from '@nestjs/common';
import { DataSource, In, IsNull, type Repository } from 'typeorm';
import { fetchKeysetPage, type Page, type PageRequest } from '../pagination/keyset-page';
import { SessionEntity, type SessionStatus } from './session.entity';

export interface SessionListFilter {
  /** Every owner when undefined. */
  ownerId: string | undefined;
  agentId?: string;
  includeArchived: boolean;
}

/** The `sessions` table, as the HTTP routes use it. The projector updates it through its own repository. */
@Injectable()
export class SessionsRepository {
  private readonly sessions: Repository<SessionEntity>;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.sessions = dataSource.getRepository(SessionEntity);
  }

  async insert(session: SessionEntity): Promise<SessionEntity> {
    await this.sessions.insert(session);
    return session;
  }

  /** A session that is not deleted (archived ones included). */
  findExisting(id: string): Promise<SessionEntity | null> {
    return this.sessions.findOneBy({ id, deletedAt: IsNull() });
  }

  /** Newest first, neither archived nor deleted; every owner when `ownerId` is undefined. */
  listActive(ownerId: string | undefined): Promise<SessionEntity[]> {
    return this.sessions.find({
      where: { archivedAt: IsNull(), deletedAt: IsNull(), ...(ownerId === undefined ? {} : { ownerId }) },
      order: { createdAt: 'DESC', id: 'DESC' },
    });
  }

  page(filter: SessionListFilter, request: PageRequest): Promise<Page<SessionEntity>> {
    const query = this.sessions.createQueryBuilder('session').where('session.deleted_at IS NULL');
    if (filter.ownerId !== undefined)
      query.andWhere('session.owner_id = :ownerId', { ownerId: filter.ownerId });
    if (filter.agentId !== undefined)
      query.andWhere('session.agent_id = :agentId', { agentId: filter.agentId });
    if (!filter.includeArchived) query.andWhere('session.archived_at IS NULL');
    return fetchKeysetPage(query, request);
  }

  /**
   * Moves the session to `to` only while its status is one of `from`: the projector may have moved it
   * meanwhile, and its word (from the event log) wins. True when the row changed.
   */
  async transitionStatus(id: string, from: SessionStatus[], to: SessionStatus): Promise<boolean> {
    const result = await this.sessions.update(
      { id, status: In(from) },
      { status: to, updatedAt: new Date() },
    );
    return (result.affected ?? 0) > 0;
  }

  /** Title and metadata only: everything else belongs to the projector or is fixed at creation. */
  async updateDetails(id: string, details: { title?: string | null; metadata?: Record<string, string> }) {
    await this.sessions.update({ id }, { ...details, updatedAt: new Date() });
  }

  async archive(id: string): Promise<void> {
    const now = new Date();
    await this.sessions.update({ id, archivedAt: IsNull() }, { archivedAt: now, updatedAt: now });
  }

  async markDeleted(id: string): Promise<void> {
    const now = new Date();
    await this.sessions.update({ id, deletedAt: IsNull() }, { deletedAt: now, updatedAt: now });
  }
}
