import { measureEventHops, type EventHopsSettings } from '../src/bench/event-hops';
import { createTestNats, type TestNats } from '@lap/testing';

describe("the bench's event hops (the pipeline's JetStream hops with no work between them)", () => {
  let nats: TestNats;
  beforeAll(async () => {
    nats = await createTestNats('hops');
  });
  afterAll(() => nats?.cleanup());

  /** A small load on the shared server, under streams of its own (`streams`). */
  const hopsWith = (streams: string, load: Partial<EventHopsSettings>) =>
    measureEventHops({
      natsUrl: nats.url,
      prefix: `${nats.prefix}_${streams}`,
      sessions: 3,
      recordsPerSession: 40,
      eventsPerRecord: 2.5,
      recordBytesPerEvent: 200,
      eventBytes: 300,
      timeoutMs: 30_000,
      ...load,
    });

  it('carries every record and event of every session through three processes, and removes its streams', async () => {
    // measureEventHops throws when the stages carried more or fewer records or events than asked.
    const hops = await hopsWith('hops', {});

    expect(hops.eventsPerSecond).toBeGreaterThan(0);
    expect(Object.keys(hops.cpuMicros).sort()).toEqual(['relay', 'sink', 'source']);
    // A shared server is not priced: its counters hold every other user's traffic.
    expect(hops.nats).toBeNull();
    const left: string[] = [];
    for await (const stream of nats.client.jsm.streams.list()) {
      if (stream.config.name.startsWith(`${nats.prefix.toUpperCase()}_HOPS_`)) left.push(stream.config.name);
    }
    expect(left).toEqual([]);
  });

  it('paces the source when asked, so the events arrive no faster than the rate given', async () => {
    const hops = await hopsWith('paced', {
      sessions: 4,
      recordsPerSession: 30,
      eventsPerRecord: 2,
      eventsPerSecond: 400,
    });

    // 240 events at 400/s take about 0.6 s; unpaced, these stages carry them in a fraction of that.
    expect(hops.eventsPerSecond).toBeGreaterThan(0);
    expect(hops.eventsPerSecond).toBeLessThan(400 * 1.5);
  });
});
