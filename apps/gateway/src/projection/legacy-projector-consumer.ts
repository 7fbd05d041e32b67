import { Inject, Injectable } from '@nestjs/common';
import type { NatsNames } from '@lap/contracts';
import { isNotFound, NatsClient } from '@lap/messaging';
import { NATS_NAMES } from '../messaging/nats-names.token';

/**
 * The durable consumer `<P>_gateway_projector` through which gateways projected before the projection
 * lease. Its ack floor is how far a deployment upgrading from them has projected, so the first lease
 * holder starts there instead of at the stream's start; then it is deleted.
 */
@Injectable()
export class LegacyProjectorConsumer {
  private readonly durable: string;

  constructor(
    @Inject(NatsClient) private readonly nats: NatsClient,
    @Inject(NATS_NAMES) private readonly names: NatsNames,
  ) {
    // The name those gateways derived from the events stream's (`<UPPER PREFIX>_EVENTS`).
    this.durable = `${names.streams.events.replace(/_EVENTS$/, '')}_gateway_projector`;
  }

  /** Every event up to this sequence was projected through it; undefined when there is no such consumer. */
  async ackFloor(): Promise<number | undefined> {
    try {
      const info = await this.nats.jsm.consumers.info(this.names.streams.events, this.durable);
      return info.ack_floor.stream_seq;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async delete(): Promise<void> {
    await this.nats.jsm.consumers.delete(this.names.streams.events, this.durable).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
  }
}
