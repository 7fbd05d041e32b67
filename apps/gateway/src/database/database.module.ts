import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { runMigrationsLocked } from '@lap/db';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { gatewayDataSourceOptions } from './data-source';

/** Closes the pool last, after HTTP and the projector have stopped. */
@Injectable()
class DataSourceCloser implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/** Connects to PostgreSQL and applies pending migrations (once across replicas) before anything else runs. */
@Global()
@Module({
  providers: [
    {
      provide: DataSource,
      inject: [GATEWAY_CONFIG],
      useFactory: async (config: GatewayConfig) => {
        const dataSource = await new DataSource(gatewayDataSourceOptions(config.DATABASE_URL)).initialize();
        try {
          await runMigrationsLocked(dataSource);
        } catch (error) {
          await dataSource.destroy();
          throw error;
        }
        return dataSource;
      },
    },
    DataSourceCloser,
  ],
  exports: [DataSource],
})
export class DatabaseModule {}
