import type { NatsNames } from '@lap/contracts';
import type { NatsClient } from '@lap/messaging';
import type { BenchStack } from './bench-stack';
import type { GatewayApi } from './gateway-api';
import type { UsageSampler } from './usage-sampler';

/** What every measurement gets: the running platform, a client of it, and the process meters. */
export interface BenchContext {
  stack: BenchStack;
  api: GatewayApi;
  /** One agent all bench sessions run on (each session still gets its own Cursor agent). */
  agentId: string;
  /** The bench's own NATS connection (reading logs, reference subscriptions). */
  nats: NatsClient;
  names: NatsNames;
  usage: UsageSampler;
  /** The bench's own nats-server's monitoring endpoint; undefined when it runs on a shared server. */
  natsMonitoringUrl?: string;
  /** The bench's database (the gateway's projection lands here). */
  databaseUrl: string;
  log(line: string): void;
}
