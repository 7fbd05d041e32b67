import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { NatsClient } from '@lap/messaging';
import { HealthModule } from '@lap/service-runtime';
import { CredentialsModule } from './credentials/credentials.module';
import type { CredentialsSubjects } from './credentials/credentials-subjects';
import type { KeyRing } from './encryption/key-ring';

export interface AppModuleOptions {
  /** Already connected and migrated (see openDatabase); the app closes it on shutdown. */
  dataSource: DataSource;
  nats: NatsClient;
  subjects: CredentialsSubjects;
  keyRing: KeyRing;
}

@Module({})
export class AppModule {
  static register({ dataSource, nats, subjects, keyRing }: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => dataSource.options,
          dataSourceFactory: async () => dataSource,
        }),
        CredentialsModule.register({ nats, subjects, keyRing }),
        HealthModule.register({
          useFactory: () => [
            { name: 'database', check: async () => void (await dataSource.query('SELECT 1')) },
            { name: 'nats', check: () => nats.ping() },
          ],
        }),
      ],
    };
  }
}
