import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type Repository } from 'typeorm';
import { fetchKeysetPage, type Page, type PageRequest } from '../pagination/keyset-page';
import { EnvironmentEntity } from './environment.entity';

/** The `environments` table. */
@Injectable()
export class EnvironmentsRepository {
  private readonly environments: Repository<EnvironmentEntity>;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.environments = dataSource.getRepository(EnvironmentEntity);
  }

  async insert(environment: EnvironmentEntity): Promise<EnvironmentEntity> {
    await this.environments.insert(environment);
    return environment;
  }

  /** Archived ones included: they stay readable. */
  find(id: string): Promise<EnvironmentEntity | null> {
    return this.environments.findOneBy({ id });
  }

  page(
    ownerId: string | undefined,
    includeArchived: boolean,
    request: PageRequest,
  ): Promise<Page<EnvironmentEntity>> {
    const query = this.environments.createQueryBuilder('environment').where('true');
    if (ownerId !== undefined) query.andWhere('environment.owner_id = :ownerId', { ownerId });
    if (!includeArchived) query.andWhere('environment.archived_at IS NULL');
    return fetchKeysetPage(query, request);
  }

  save(environment: EnvironmentEntity): Promise<EnvironmentEntity> {
    return this.environments.save(environment);
  }

  async delete(id: string): Promise<void> {
    await this.environments.delete({ id });
  }
}
