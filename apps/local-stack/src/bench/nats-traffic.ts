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

/** The named numbers of the server's `/varz`. */
async function readVarz<K extends string>(monitoringUrl: string, names: K[]): Promise<Record<K, number>> {
  const response = await fetch(`${monitoringUrl}/varz`);
  if (!response.ok) throw new Error(`nats-server ${monitoringUrl}/varz answered ${response.status}`);
  const varz = (await response.json()) as Record<string, unknown>;
  const numbers = {} as Record<K, number>;
  for (const name of names) {
    const value = varz[name];
    if (typeof value !== 'number') throw new Error(`nats-server /varz has no number ${name}`);
    numbers[name] = value;
  }
  return numbers;
}

export async function readNatsTraffic(monitoringUrl: string): Promise<NatsTrafficCounters> {
  const varz = await readVarz(monitoringUrl, ['in_msgs', 'out_msgs', 'in_bytes', 'out_bytes']);
  return {
    inMsgs: varz.in_msgs,
    outMsgs: varz.out_msgs,
    inBytes: varz.in_bytes,
    outBytes: varz.out_bytes,
  };
}

/** How many threads the server runs Go code on (GOMAXPROCS, as it reports it). */
export async function readNatsServerGoMaxProcs(monitoringUrl: string): Promise<number> {
  return (await readVarz(monitoringUrl, ['gomaxprocs'])).gomaxprocs;
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
