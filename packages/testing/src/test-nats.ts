import { randomBytes } from 'crypto';
import { natsNames, type NatsNames } from '@lap/contracts';
import { NatsClient } from '@lap/messaging';

export const TEST_NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

export interface TestNats {
  url: string;
  prefix: string;
  names: NatsNames;
  client: NatsClient;
  /** Deletes every stream and bucket of this prefix, then closes the connection. */
  cleanup(): Promise<void>;
}

/** A private subject and stream namespace on the shared NATS server, for one test file. */
export async function createTestNats(label = 't'): Promise<TestNats> {
  const prefix = `${label.replace(/[^a-z0-9]/gi, '').slice(0, 12)}${randomBytes(4).toString('hex')}`;
  const names = natsNames(prefix);
  const client = await NatsClient.connect({ url: TEST_NATS_URL, name: `test-${prefix}` });
  return {
    url: TEST_NATS_URL,
    prefix,
    names,
    client,
    cleanup: async () => {
      const upper = prefix.toUpperCase();
      for await (const stream of client.jsm.streams.list()) {
        const name = stream.config.name;
        if (name.startsWith(`${upper}_`) || name.startsWith(`KV_${upper}_`)) {
          await client.jsm.streams.delete(name).catch(() => undefined);
        }
      }
      await client.close();
    },
  };
}
