import { DataSource } from 'typeorm';
import { NatsClient } from '@lap/messaging';
import { HealthModule } from '@lap/service-runtime';

/** `GET /health` (alive) and `GET /readyz` (PostgreSQL and NATS answer). Both are public. */
export const GatewayHealthModule = HealthModule.register({
  inject: [DataSource, NatsClient],
  useFactory: (dataSource: DataSource, nats: NatsClient) => [
    { name: 'postgres', check: async () => void (await dataSource.query('SELECT 1')) },
    { name: 'nats', check: () => nats.ping() },
  ],
});
