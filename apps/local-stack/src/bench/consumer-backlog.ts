import type { BenchContext } from './bench-context';

export interface ConsumerBacklog {
  /** Messages not yet delivered, delivered but not acked, and redelivered ones still un-acked. */
  pending: number;
  ackPending: number;
  redelivered: number;
}

/**
 * The platform's durable consumers as JetStream sees them: redeliveries reveal nak storms (the
 * normalizer's "ahead" records, the projector's "waiting" events) that cost work without progress.
 */
export async function consumerBacklogs(ctx: BenchContext): Promise<Record<string, ConsumerBacklog>> {
  const upper = ctx.names.streams.events.replace(/_EVENTS$/, '');
  const consumers: Array<[string, string, string]> = [
    ['normalizers', ctx.names.streams.raw, ctx.names.consumers.normalizers],
    // The gateway's projector names its durable this way (apps/gateway/src/projection).
    ['gateway projector', ctx.names.streams.events, `${upper}_gateway_projector`],
  ];
  const out: Record<string, ConsumerBacklog> = {};
  for (const [label, stream, durable] of consumers) {
    const info = await ctx.nats.jsm.consumers.info(stream, durable).catch(() => undefined);
    if (info) {
      out[label] = {
        pending: info.num_pending,
        ackPending: info.num_ack_pending,
        redelivered: info.num_redelivered,
      };
    }
  }
  return out;
}
