import { measureEventHops } from '../src/bench/event-hops';
import { createTestNats, type TestNats } from '@lap/testing';

describe("the bench's event hops (the pipeline's JetStream hops with no work between them)", () => {
  let nats: TestNats;
  beforeAll(async () => {
    nats = await createTestNats('hops');
  });
  afterAll(() => nats?.cleanup());

  it('carries every record and event of every session through three processes, and removes its streams', async () => {
    // measureEventHops throws when the stages carried more or fewer records or events than asked.
    const hops = await measureEventHops({
      natsUrl: nats.url,
      prefix: `${nats.prefix}_hops`,
      sessions: 3,
      recordsPerSession: 40,
      eventsPerRecord: 2.5,
      recordBytesPerEvent: 200,
      eventBytes: 300,
      timeoutMs: 30_000,
    });

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
});
