import { NatsClient } from '@lap/messaging';

/** Deletes every stream (and KV bucket) of one prefix on a server the bench shares with others. */
export async function deletePrefixedStreams(url: string, prefix: string): Promise<number> {
  const client = await NatsClient.connect({ url, name: 'bench-cleanup' });
  const upper = prefix.toUpperCase().replace(/-/g, '_');
  let deleted = 0;
  try {
    const names: string[] = [];
    for await (const stream of client.jsm.streams.list()) names.push(stream.config.name);
    for (const name of names) {
      if (name.startsWith(`${upper}_`) || name.startsWith(`KV_${upper}_`)) {
        await client.jsm.streams.delete(name).catch(() => undefined);
        deleted++;
      }
    }
  } finally {
    await client.close();
  }
  return deleted;
}
