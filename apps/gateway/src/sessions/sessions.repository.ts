import { Inject, Injectable } from '@nestjs/common';
import { DataSource, In, IsNull, type Repository } from 'typeorm';
import { SessionEntity, type SessionStatus } from './session.entity';

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

  findActive(id: string): Promise<SessionEntity | null> {
    return this.sessions.findOneBy({ id, archivedAt: IsNull() });
  }

  /** Newest first; every owner when `ownerId` is undefined. */
  listActive(ownerId: string | undefined): Promise<SessionEntity[]> {
    return this.sessions.find({
      where: { archivedAt: IsNull(), ...(ownerId === undefined ? {} : { ownerId }) },
      order: { createdAt: 'DESC', id: 'DESC' },
    });
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

  async archive(id: string): Promise<void> {
    const now = new Date();
    await this.sessions.update({ id, archivedAt: IsNull() }, { archivedAt: now, updatedAt: now });
  }
}
