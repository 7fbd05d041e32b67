import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import { z } from 'zod';
import { createTestNats, type TestNats, waitFor } from '@lap/testing';
import {
  DurableWorker,
  ensureStreams,
  FencedError,
  fromNatsHeaders,
  headerBlockOf,
  headersOf,
  readStoredMessages,
  readSubjectRange,
  RpcCallError,
  RpcClient,
  RpcServer,
  sleep,
  SubjectLog,
  toNatsHeaders,
  WRITER_HEADER,
  type WorkItem,
} from '@lap/messaging';

describe('messaging against the real NATS JetStream', () => {
  let nats: TestNats;
  let raw: SubjectLog;

  beforeAll(async () => {
    nats = await createTestNats('msg');
    await ensureStreams(nats.client.jsm, nats.names, ['commands', 'raw', 'events']);
    raw = new SubjectLog(nats.client, nats.names.streams.raw);
  });
  afterAll(() => nats.cleanup());

  it('creates streams idempotently', async () => {
    await ensureStreams(nats.client.jsm, nats.names, ['commands', 'raw', 'events']);
    const info = await nats.client.jsm.streams.info(nats.names.streams.commands);
    expect(info.config.retention).toBe('workqueue');
  });

  it('fences a stale writer and answers a re-published record as a duplicate', async () => {
    const subject = nats.names.raw('sesn_fence');
    const first = await raw.append(subject, { n: 1 }, { msgId: 'f1', expectLastSubjectSeq: 0 });
    const second = await raw.append(subject, { n: 2 }, { msgId: 'f2', expectLastSubjectSeq: first.seq });

    // A writer that still believes the subject ends at `first` has lost it.
    await expect(
      raw.append(subject, { n: 3 }, { msgId: 'f3', expectLastSubjectSeq: first.seq }),
    ).rejects.toBeInstanceOf(FencedError);
    // Re-publishing a frame already stored is a duplicate, even with a stale expectation.
    const again = await raw.append(subject, { n: 2 }, { msgId: 'f2', expectLastSubjectSeq: first.seq });
    expect(again).toEqual({ seq: second.seq, duplicate: true });

    const last = await raw.last<{ n: number }>(subject);
    expect(last?.data).toEqual({ n: 2 });
    expect(last?.seq).toBe(second.seq);
    expect(await raw.last(nats.names.raw('sesn_empty'))).toBeNull();
    expect((await raw.next<{ n: number }>(subject, first.seq + 1))?.data).toEqual({ n: 2 });
  });

  it('fences an exclusive writer that re-publishes what the writer who took over already stored', async () => {
    const subject = nats.names.raw('sesn_shadow');
    const stale = new SubjectLog(nats.client, raw.stream, { writerId: 'runner:h:1:a' });
    const successor = new SubjectLog(nats.client, raw.stream, {
      writerId: 'runner:h:2:b',
    });
    const first = await stale.append(subject, { n: 1 }, { msgId: 's1', expectLastSubjectSeq: 0 });
    // The successor resumes from the log and stores the next records before the stale writer wakes up.
    const second = await successor.append(
      subject,
      { n: 2 },
      { msgId: 's2', expectLastSubjectSeq: first.seq },
    );
    await successor.append(subject, { n: 3 }, { msgId: 's3', expectLastSubjectSeq: second.seq });

    // JetStream alone answers the stale writer's re-publish as a duplicate; the writer check refuses it.
    await expect(
      stale.append(subject, { n: 2 }, { msgId: 's2', expectLastSubjectSeq: first.seq }),
    ).rejects.toBeInstanceOf(FencedError);
    // Its own earlier record (an ack lost) and history at or before its position are fine.
    expect(
      await successor.append(subject, { n: 2 }, { msgId: 's2', expectLastSubjectSeq: first.seq }),
    ).toEqual({ seq: second.seq, duplicate: true });
    expect(
      await successor.append(subject, { n: 1 }, { msgId: 's1', expectLastSubjectSeq: second.seq }),
    ).toEqual({ seq: first.seq, duplicate: true });
    const stored = await raw.last(subject);
    expect(stored?.headers[WRITER_HEADER]).toBe('runner:h:2:b');
  });

  it('reads a subject range in order through an ordered consumer', async () => {
    const subject = nats.names.raw('sesn_range');
    const other = nats.names.raw('sesn_other');
    const seqs: number[] = [];
    for (let i = 0; i < 5; i++) {
      seqs.push((await raw.append(subject, { i }, { msgId: `r${i}` })).seq);
      await raw.append(other, { i }, { msgId: `o${i}` });
    }
    const read: number[] = [];
    for await (const record of readSubjectRange<{ i: number }>(
      nats.client.js,
      raw.stream,
      subject,
      seqs[1],
      seqs[4],
    )) {
      read.push(record.data.i);
    }
    expect(read).toEqual([2, 3, 4]);
  });

  it('reads stored messages up to a count, ends on a silence, and deletes its consumer however it ends', async () => {
    const subjects = ['sesn_rs1', 'sesn_rs2'].map((id) => nats.names.raw(id));
    const appended = [];
    for (let i = 0; i < 5; i++) appended.push(await raw.append(subjects[i % 2], { i }, { msgId: `rs${i}` }));
    const start = { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: appended[0].seq };
    const read = async (limits: Parameters<typeof readStoredMessages>[4]) => {
      const seqs: number[] = [];
      const filter = nats.names.allRaw;
      for await (const message of readStoredMessages(
        nats.client.js,
        nats.names.streams.raw,
        filter,
        start,
        limits,
      )) {
        seqs.push(message.seq);
      }
      return seqs;
    };

    expect(await read({ max: 2 })).toEqual(appended.slice(0, 2).map((a) => a.seq));
    expect(await read({ untilSeq: appended[2].seq })).toEqual(appended.slice(0, 3).map((a) => a.seq));
    expect(await read({})).toEqual(appended.map((a) => a.seq));
    // Past the newest message: without a silence limit this would wait for the next one.
    const past = { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: appended[4].seq + 1 };
    const none: number[] = [];
    for await (const message of readStoredMessages(
      nats.client.js,
      nats.names.streams.raw,
      nats.names.allRaw,
      past,
      { idleMs: 200 },
    )) {
      none.push(message.seq);
    }
    expect(none).toEqual([]);

    const left = [];
    for await (const consumer of await nats.client.jsm.consumers.list(nats.names.streams.raw))
      left.push(consumer);
    expect(left).toEqual([]);
  });

  it("reads delivered messages' headers from the bytes they arrived with, as the client decodes them", async () => {
    const headers = { 'Lap-Session-Id': 'sesn_hdr', 'Lap-Note': ' spaced: value ', 'Nats-Msg-Id': 'hdr-1' };
    const subject = nats.names.raw('sesn_hdr');
    const { seq } = await raw.append(subject, { h: 1 }, { msgId: 'hdr-1', headers });
    const bare = await raw.append(nats.names.raw('sesn_hdr_none'), { h: 2 }, { msgId: 'hdr-2' });

    const stored = [];
    const start = { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: seq };
    for await (const message of readStoredMessages(
      nats.client.js,
      nats.names.streams.raw,
      nats.names.allRaw,
      start,
      {
        untilSeq: bare.seq,
      },
    )) {
      stored.push(message);
    }
    const [delivered] = stored;
    // The fast path must be the one taken: a client upgrade that moves its private fields fails here.
    expect(headerBlockOf(delivered)).toBeInstanceOf(Uint8Array);
    expect(headersOf(delivered)).toEqual(fromNatsHeaders(delivered.headers));
    expect(headersOf(delivered)).toMatchObject({ 'Lap-Session-Id': 'sesn_hdr', 'Lap-Note': 'spaced: value' });

    // A core subscription's message, with headers and without.
    const core = `${nats.names.prefix}.test.core_hdr`;
    const received = new Promise<Parameters<typeof headersOf>[0][]>((resolve) => {
      const got: Parameters<typeof headersOf>[0][] = [];
      nats.client.connection.subscribe(core, {
        max: 2,
        callback: (_error, message) => {
          got.push(message);
          if (got.length === 2) resolve(got);
        },
      });
    });
    await nats.client.connection.flush();
    nats.client.connection.publish(core, new Uint8Array([1]), { headers: toNatsHeaders(headers) });
    nats.client.connection.publish(core, new Uint8Array([2]));
    const [withHeaders, without] = await received;
    expect(headerBlockOf(withHeaders)).toBeInstanceOf(Uint8Array);
    expect(headersOf(withHeaders)).toEqual(fromNatsHeaders(withHeaders.headers));
    expect(headerBlockOf(without)).toBeNull();
    expect(headersOf(without)).toEqual({});
  });

  it('removes a record once, answering false when it is already gone', async () => {
    const { seq } = await raw.append(nats.names.raw('sesn_remove'), { gone: true }, { msgId: 'remove-1' });
    expect(await raw.remove(seq)).toBe(true);
    expect(await raw.at(seq)).toBeNull();
    expect(await raw.remove(seq)).toBe(false);
  });

  it('spreads work over a shared durable consumer and redelivers what was nak-ed', async () => {
    const commands = new SubjectLog(nats.client, nats.names.streams.commands);
    const options = {
      stream: nats.names.streams.commands,
      durable: 'workers',
      ackWaitMs: 5_000,
      concurrency: 2,
      pullExpiresMs: 1_000,
    };
    const a = new DurableWorker(nats.client, options);
    const b = new DurableWorker(nats.client, options);
    await a.ensureConsumer();
    const seen: string[] = [];
    let nakOnce = true;
    const handler = async (item: WorkItem) => {
      const body = item.json<{ id: string }>();
      if (body.id === 'c2' && nakOnce) {
        nakOnce = false;
        item.nak(50);
        return;
      }
      seen.push(body.id);
      await item.ack();
    };
    a.start(handler);
    b.start(handler);
    for (const id of ['c1', 'c2', 'c3', 'c4']) {
      await commands.append(nats.names.command(`sesn_${id}`), { id }, { msgId: id });
    }
    await waitFor(() => seen.length === 4, { what: 'all four commands handled' });
    expect([...seen].sort()).toEqual(['c1', 'c2', 'c3', 'c4']);
    await Promise.all([a.stop(), b.stop()]);
    const info = await nats.client.jsm.streams.info(nats.names.streams.commands);
    expect(info.state.messages).toBe(0);
  });

  it('answers request/reply calls and reports errors with their type', async () => {
    const server = new RpcServer(nats.client.connection);
    const subject = `${nats.prefix}.rpc.test`;
    server.serve(subject, z.object({ n: z.number() }), async ({ n }) => {
      if (n < 0) throw new RpcCallError('not_found', 'nothing below zero');
      return { doubled: n * 2 };
    });
    const client = new RpcClient(nats.client.connection);
    const reply = z.object({ doubled: z.number() });
    await expect(client.call(subject, { n: 21 }, reply)).resolves.toEqual({ doubled: 42 });
    await expect(client.call(subject, { n: -1 }, reply)).rejects.toMatchObject({ type: 'not_found' });
    await expect(client.call(subject, { n: 'x' }, reply)).rejects.toMatchObject({
      type: 'invalid_request',
      message: expect.stringContaining('n:'),
    });
    server.close();
    await expect(client.call(subject, { n: 1 }, reply, 300)).rejects.toMatchObject({ type: 'unavailable' });
  });
});

describe('a durable worker whose consumer is deleted under it', () => {
  let nats: TestNats;
  beforeAll(async () => {
    nats = await createTestNats('msgdel');
    await ensureStreams(nats.client.jsm, nats.names, ['commands']);
  });
  afterAll(() => nats.cleanup());

  it('recreates the consumer and goes on working', async () => {
    const options = {
      stream: nats.names.streams.commands,
      durable: 'recreated',
      ackWaitMs: 5_000,
      concurrency: 4,
      pullExpiresMs: 1_000,
    };
    const worker = new DurableWorker(nats.client, options);
    await worker.ensureConsumer();
    const seen: string[] = [];
    worker.start(async (item) => {
      seen.push(item.json<{ id: string }>().id);
      await item.ack();
    });
    const commands = new SubjectLog(nats.client, nats.names.streams.commands);
    await commands.append(nats.names.command('sesn_a'), { id: 'before' }, { msgId: 'before' });
    await waitFor(() => seen.includes('before'), { what: 'the first command' });

    await nats.client.jsm.consumers.delete(options.stream, options.durable);
    await commands.append(nats.names.command('sesn_a'), { id: 'after' }, { msgId: 'after' });
    await waitFor(() => seen.includes('after'), {
      what: 'the command sent after the deletion',
      timeoutMs: 20_000,
    });
    await worker.stop();
  });
});

describe('a durable worker whose consumer is made again', () => {
  let nats: TestNats;
  beforeAll(async () => {
    nats = await createTestNats('msgremade');
    await ensureStreams(nats.client.jsm, nats.names, ['commands']);
  });
  afterAll(() => nats.cleanup());

  it('made again, its consumer delivers what is queued once more, marked stored before it; the old deliveries settle nothing', async () => {
    const options = {
      stream: nats.names.streams.commands,
      durable: 'remade',
      ackWaitMs: 30_000,
      concurrency: 4,
      pullExpiresMs: 1_000,
    };
    const commands = new SubjectLog(nats.client, nats.names.streams.commands);
    const send = (id: string) =>
      commands.append(nats.names.command('sesn_r'), { id }, { msgId: `remade-${id}` });
    await send('queued before the consumer');
    // Two replicas: one pulls, the other remakes the consumer under it.
    const puller = new DurableWorker(nats.client, options);
    const remaker = new DurableWorker(nats.client, options);
    await puller.ensureConsumer();
    const deliveries: Array<{ id: string; storedBeforeConsumer: boolean; deliveryCount: number }> = [];
    const held: WorkItem[] = [];
    puller.start(async (item) => {
      const { id } = item.json<{ id: string }>();
      deliveries.push({
        id,
        storedBeforeConsumer: item.storedBeforeConsumer,
        deliveryCount: item.deliveryCount,
      });
      // "held" stays in progress, as a live run's command does.
      if (id === 'held') held.push(item);
      else await item.ack();
    });
    try {
      await send('fresh');
      await send('held');
      await waitFor(() => deliveries.length === 3, { what: 'the three commands' });
      expect(deliveries).toEqual([
        { id: 'queued before the consumer', storedBeforeConsumer: true, deliveryCount: 1 },
        { id: 'fresh', storedBeforeConsumer: false, deliveryCount: 1 },
        { id: 'held', storedBeforeConsumer: false, deliveryCount: 1 },
      ]);

      const { consumerCreated } = await remaker.queueState();
      expect(await remaker.remakeConsumer('2020-01-01T00:00:00Z')).toBe(false);
      expect(await remaker.remakeConsumer(consumerCreated)).toBe(true);

      // The work queue kept the command through the consumer's deletion; the new one delivers it again.
      await waitFor(() => deliveries.length === 4, {
        what: 'the held command, delivered again',
        timeoutMs: 20_000,
      });
      expect(deliveries[3]).toEqual({ id: 'held', storedBeforeConsumer: true, deliveryCount: 1 });
      // Acks go to the consumer by name: the first delivery's would settle the second one's. It does not.
      await held[0].ack();
      await sleep(300);
      expect((await nats.client.jsm.streams.info(options.stream)).state.messages).toBe(1);
      await held[1].ack();
      await waitFor(async () => (await nats.client.jsm.streams.info(options.stream)).state.messages === 0, {
        what: 'the second delivery of the held command to be acknowledged',
      });
      await send('after the remake');
      await waitFor(() => deliveries.length === 5, { what: 'the command sent after the remake' });
      expect(deliveries[4]).toEqual({
        id: 'after the remake',
        storedBeforeConsumer: false,
        deliveryCount: 1,
      });
    } finally {
      await puller.stop();
    }
  });
});

describe('a durable worker whose consumer an earlier version created with a filter', () => {
  let nats: TestNats;
  beforeAll(async () => {
    nats = await createTestNats('msgflt');
    await ensureStreams(nats.client.jsm, nats.names, ['commands']);
  });
  afterAll(() => nats.cleanup());

  it('drops the filter an earlier version gave its consumer, and still gets every message', async () => {
    const options = {
      stream: nats.names.streams.commands,
      durable: 'unfiltered',
      ackWaitMs: 5_000,
      concurrency: 4,
    };
    await nats.client.jsm.consumers.add(options.stream, {
      durable_name: options.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: nats.names.allCommands,
    });
    const worker = new DurableWorker(nats.client, options);
    await worker.ensureConsumer();
    const { config } = await nats.client.jsm.consumers.info(options.stream, options.durable);
    expect(config.filter_subject ?? null).toBeNull();
    expect(config.filter_subjects ?? []).toEqual([]);

    const seen: string[] = [];
    worker.start(async (item) => {
      seen.push(item.json<{ id: string }>().id);
      await item.ack();
    });
    const commands = new SubjectLog(nats.client, nats.names.streams.commands);
    for (const id of ['u1', 'u2'])
      await commands.append(nats.names.command(`sesn_${id}`), { id }, { msgId: id });
    await waitFor(() => seen.length === 2, { what: 'both commands' });
    expect(seen.sort()).toEqual(['u1', 'u2']);
    await worker.stop();
  });
});
