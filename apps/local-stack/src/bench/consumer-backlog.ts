import type { BenchContext } from './bench-context';

export interface ConsumerBacklog {
  /** Messages not yet delivered, delivered but not acked, and redelivered ones still un-acked. */
  pending: number;
  ackPending: number;
  redelivered: number;
}

/**
 * The platform's durable consumers as JetStream sees them: redeliveries reveal nak storms (the
 * normalizer's "ahead" records) that cost work without progress. (The gateway's projection has none:
 * it reads the fan-out's subscription; its backlog is measured by projection-lag.)
 */
export async function consumerBacklogs(ctx: BenchContext): Promise<Record<string, ConsumerBacklog>> {
  const consumers: Array<[string, string, string]> = [
    ['normalizers', ctx.names.streams.raw, ctx.names.consumers.normalizers],
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
