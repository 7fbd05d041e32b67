import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { natsNames } from '@lap/contracts';
import { NatsClient } from '@lap/messaging';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { ensureGatewayStreams } from './ensure-gateway-streams';
import { NATS_NAMES } from './nats-names.token';

/** Drains the connection last, after the fan-out, the projector and HTTP have stopped. */
@Injectable()
class NatsCloser implements OnApplicationShutdown {
  constructor(@Inject(NatsClient) private readonly client: NatsClient) {}

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}

/** The process's one NATS connection and the names it uses. */
@Global()
@Module({
  providers: [
    {
      provide: NATS_NAMES,
      inject: [GATEWAY_CONFIG],
      useFactory: (c: GatewayConfig) => natsNames(c.LAP_PREFIX),
    },
    {
      provide: NatsClient,
      inject: [GATEWAY_CONFIG, NATS_NAMES],
      useFactory: async (config: GatewayConfig, names: ReturnType<typeof natsNames>) => {
        const client = await NatsClient.connect({ url: config.NATS_URL, name: 'lap-gateway' });
        try {
          await ensureGatewayStreams(client, names);
        } catch (error) {
          await client.close();
          throw error;
        }
        return client;
      },
    },
    NatsCloser,
  ],
  exports: [NATS_NAMES, NatsClient],
})
export class MessagingModule {}
