/** What a nats-server received from and sent to its clients since it started (its `/varz` counters). */
export interface NatsTrafficCounters {
  inMsgs: number;
  outMsgs: number;
  inBytes: number;
  outBytes: number;
}

/** NATS messages and bytes per delivered event: counted work, where timings depend on the machine's day. */
export interface NatsTrafficPerEvent {
  /** Messages clients sent the server (publishes, acks, pull requests, KV writes, …). */
  messagesIn: number;
  /** Messages the server sent clients (deliveries, publish acks, replies, …). */
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
}

export async function readNatsTraffic(monitoringUrl: string): Promise<NatsTrafficCounters> {
  const response = await fetch(`${monitoringUrl}/varz`);
  if (!response.ok) throw new Error(`nats-server ${monitoringUrl}/varz answered ${response.status}`);
  const varz = (await response.json()) as Record<string, unknown>;
  const counter = (name: string) => {
    const value = varz[name];
    if (typeof value !== 'number') throw new Error(`nats-server /varz has no number ${name}`);
    return value;
  };
  return {
    inMsgs: counter('in_msgs'),
    outMsgs: counter('out_msgs'),
    inBytes: counter('in_bytes'),
    outBytes: counter('out_bytes'),
  };
}

export function trafficPerEvent(
  before: NatsTrafficCounters,
  after: NatsTrafficCounters,
  events: number,
): NatsTrafficPerEvent | null {
  if (events <= 0) return null;
  const per = (key: keyof NatsTrafficCounters) => (after[key] - before[key]) / events;
  return {
    messagesIn: per('inMsgs'),
    messagesOut: per('outMsgs'),
    bytesIn: per('inBytes'),
    bytesOut: per('outBytes'),
  };
}
