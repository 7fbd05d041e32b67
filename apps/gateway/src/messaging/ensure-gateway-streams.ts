import type { NatsNames } from '@lap/contracts';
import { ensureStreams, isNotFound, type NatsClient } from '@lap/messaging';

/**
 * The gateway writes the commands stream, so it creates and updates it. The events stream belongs to
 * the normalizer (which may run it with a non-default retention): the gateway only creates it when it
 * is missing, so it can start first, and never overwrites the normalizer's settings.
 */
export async function ensureGatewayStreams(client: NatsClient, names: NatsNames): Promise<void> {
  await ensureStreams(client.jsm, names, ['commands']);
  try {
    await client.jsm.streams.info(names.streams.events);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await ensureStreams(client.jsm, names, ['events']);
  }
}
