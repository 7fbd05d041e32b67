import { Kvm, type KV } from '@nats-io/kv';
import type { NatsClient } from './nats-client';

/** Opens (creating if needed) a KV bucket; history 1, since only the latest state matters. */
export async function openBucket(client: NatsClient, bucket: string): Promise<KV> {
  return new Kvm(client.js).create(bucket, { history: 1 });
}
