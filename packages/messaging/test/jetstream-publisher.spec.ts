import { NoRespondersError, TimeoutError } from '@nats-io/nats-core';
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { createTestNats, type TestNats } from '@lap/testing';
import { encodeJson, ensureStreams, isTransientNatsError, NatsClient } from '@lap/messaging';

describe('JetStreamPublisher against the real NATS JetStream', () => {
  let nats: TestNats;

  beforeAll(async () => {
    nats = await createTestNats('jspub');
    await ensureStreams(nats.client.jsm, nats.names, ['raw']);
  });
  afterAll(() => nats.cleanup());

  const publish = (subject: string, n: number, options: { msgId?: string; expect?: number } = {}) =>
    nats.client.publisher.publish(subject, encodeJson({ n }), {
      msgId: options.msgId,
      expectLastSubjectSeq: options.expect,
      headers: { 'Lap-Test': String(n) },
      timeoutMs: 5_000,
    });

  it('stores messages with their headers and answers each publish with its own sequence', async () => {
    const subject = nats.names.raw('sesn_pub');
    // Many in flight at once: every answer must reach the publish it belongs to.
    const acks = await Promise.all(Array.from({ length: 200 }, (_, n) => publish(subject, n)));
    expect(new Set(acks.map((ack) => ack.seq)).size).toBe(200);
    for (const [n, ack] of acks.entries()) {
      expect(ack).toMatchObject({ stream: nats.names.streams.raw, duplicate: false });
      const stored = await nats.client.jsm.streams.getMessage(nats.names.streams.raw, { seq: ack.seq });
      expect(stored?.json()).toEqual({ n });
      expect(stored?.header.get('Lap-Test')).toBe(String(n));
    }
  });

  it('stores publishes made across callbacks of one event-loop turn in the order they were made', async () => {
    const subject = nats.names.raw('sesn_order');
    // As frames of several sessions read in one wake-up: each callback publishes, none waits.
    const acks: Array<Promise<{ seq: number }>> = [];
    await new Promise<void>((resolve) => {
      for (let n = 0; n < 20; n++) {
        setImmediate(() => {
          acks.push(publish(subject, n));
          void Promise.resolve().then(() => acks.push(publish(subject, 100 + n)));
          if (n === 19) setImmediate(resolve);
        });
      }
    });
    const seqs = (await Promise.all(acks)).map((ack) => ack.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const stored = await Promise.all(
      seqs.map((seq) => nats.client.jsm.streams.getMessage(nats.names.streams.raw, { seq })),
    );
    const expected = Array.from({ length: 20 }, (_, n) => [{ n }, { n: 100 + n }]).flat();
    expect(stored.map((message) => message?.json())).toEqual(expected);
  });

  it('answers a repeated message id as a duplicate of the stored copy', async () => {
    const subject = nats.names.raw('sesn_dup');
    const first = await publish(subject, 1, { msgId: 'once' });
    expect(await publish(subject, 1, { msgId: 'once' })).toEqual({ ...first, duplicate: true });
  });

  it('refuses a publish whose expected last subject sequence is not the last one', async () => {
    const subject = nats.names.raw('sesn_expect');
    const first = await publish(subject, 1, { expect: 0 });
    await publish(subject, 2, { expect: first.seq });
    const refused = await publish(subject, 3, { expect: first.seq }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(JetStreamApiError);
    expect((refused as JetStreamApiError).apiError().err_code).toBe(
      JetStreamApiCodes.StreamWrongLastSequence,
    );
    expect(isTransientNatsError(refused)).toBe(false);
  });

  it('rejects with NoRespondersError when no stream takes the subject', async () => {
    const refused = await publish(`${nats.prefix}_nostream.x`, 1).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(NoRespondersError);
    expect(isTransientNatsError(refused)).toBe(true);
  });

  it('rejects with TimeoutError when the answer does not come in time', async () => {
    const subject = `${nats.prefix}_silent.x`;
    // Something listens (so there is no "no responders"), but never answers.
    const silent = nats.client.connection.subscribe(subject);
    const startedAt = Date.now();
    const refused = await nats.client.publisher
      .publish(subject, encodeJson({}), { timeoutMs: 200 })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TimeoutError);
    expect(isTransientNatsError(refused)).toBe(true);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(200);
    silent.unsubscribe();
  });

  it('rejects what is still unanswered when its connection closes', async () => {
    const client = await NatsClient.connect({ url: nats.url, name: 'publisher-close-test' });
    const subject = `${nats.prefix}_closing.x`;
    const silent = nats.client.connection.subscribe(subject);
    await nats.client.connection.flush();
    const pending = client.publisher.publish(subject, encodeJson({}), { timeoutMs: 30_000 });
    const rejected = expect(pending).rejects.toThrow(/connection closed/);
    await client.close();
    await rejected;
    silent.unsubscribe();
  });
});
