import { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { SessionEvent, SessionEventBody } from '@lap/contracts';
import { waitFor } from '@lap/testing';
import type { ProjectionOutcome } from '../src/projection/batch-fold';
import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import { EventProjector } from '../src/projection/event-projector.service';
import { LegacyProjectorConsumer } from '../src/projection/legacy-projector-consumer';
import { ProjectionLeaseLostError } from '../src/projection/projection-lease.repository';
import { ProjectionRepository } from '../src/projection/projection.repository';
import { EventWriter, agentMessage } from './support/event-writer';
import { createSession, startTestGateway, type GatewayHarness } from './support/gateway-harness';

describe('event projection', () => {
  let harness: GatewayHarness;
  let writer: EventWriter;
  const session = async (id: string) => (await harness.authed('get', `/session/${id}`).expect(200)).body;
  const projectedSeq = async (id: string): Promise<number> => {
    const rows = await harness.gateway.app
      .get(DataSource)
      .query('SELECT last_event_seq FROM sessions WHERE id = $1', [id]);
    return Number(rows[0].last_event_seq);
  };

  beforeAll(async () => {
    harness = await startTestGateway('gwproj');
    writer = new EventWriter(harness.nats.client, harness.nats.names);
  });
  afterAll(() => harness.close());

  it('moves the session pending → running → idle and records its outputs', async () => {
    const id = await createSession(harness, { prompt: 'do it' });
    expect((await session(id)).status).toBe('pending');

    await writer.append(id, { type: 'session.status_running' });
    await waitFor(async () => (await session(id)).status === 'running', { what: 'running' });

    await writer.append(id, {
      type: 'session.updated',
      outputs: {
        cursor_agent_id: 'bc-123',
        cursor_run_id: 'run-1',
        branches: [{ repository: 'acme/repo', branch: 'fix', pr_url: 'https://github.com/acme/repo/pull/1' }],
      },
    });
    await writer.append(id, agentMessage('done'));
    await writer.append(id, { type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
    const idle = await waitFor(
      async () => {
        const body = await session(id);
        return body.status === 'idle' && body;
      },
      { what: 'idle' },
    );
    expect(idle).toMatchObject({
      provider_session_id: 'bc-123',
      provider_run_id: 'run-1',
      outputs: { branches: [{ branch: 'fix', pr_url: 'https://github.com/acme/repo/pull/1' }] },
    });
  });

  it('reports error after a failed run, until the next run starts', async () => {
    const id = await createSession(harness);
    await writer.append(id, { type: 'session.status_running' });
    await writer.append(id, {
      type: 'session.error',
      error: { type: 'authentication_error', message: 'bad key', retry_status: { type: 'terminal' } },
    });
    const idle = await writer.append(id, { type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
    await waitFor(async () => (await projectedSeq(id)) === idle.seq, { what: 'the idle event projected' });
    expect((await session(id)).status).toBe('error');
    await writer.append(id, { type: 'session.status_running' });
    await waitFor(async () => (await session(id)).status === 'running', { what: 'running again' });
  });

  it('lists the projected events in order, with limit and after', async () => {
    const id = await createSession(harness);
    const appended = [];
    for (let i = 0; i < 5; i++) appended.push(await writer.append(id, agentMessage(`m${i}`)));
    await waitFor(async () => {
      const list = await harness.authed('get', `/v1/sessions/${id}/events`);
      return list.body.data.length === 5;
    });
    const all = await harness.authed('get', `/v1/sessions/${id}/events`).expect(200);
    expect(all.body).toEqual({ data: appended.map((a) => a.event), next_page: null });

    const page = await harness.authed('get', `/v1/sessions/${id}/events?limit=2`).expect(200);
    expect(page.body.data).toEqual(appended.slice(0, 2).map((a) => a.event));
    const rest = await harness
      .authed('get', `/v1/sessions/${id}/events?page=${page.body.next_page}`)
      .expect(200);
    expect(rest.body.data).toEqual(appended.slice(2).map((a) => a.event));
    const afterId = await harness
      .authed('get', `/v1/sessions/${id}/events?after=${appended[3].event.id}`)
      .expect(200);
    expect(afterId.body.data).toEqual([appended[4].event]);
    const bad = await harness.authed('get', `/v1/sessions/${id}/events?limit=0`).expect(400);
    expect(bad.body.type).toBe('error');
  });

  it("reads the stream once: the fan-out's subscription feeds the projection, no consumer of its own", async () => {
    const id = await createSession(harness);
    const idle = await writer.append(id, { type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
    await waitFor(async () => (await projectedSeq(id)) === idle.seq, { what: 'the event projected' });
    const consumers = [];
    for await (const page of await harness.nats.client.jsm.consumers.list(
      harness.nats.names.streams.events,
    )) {
      consumers.push(page);
    }
    expect(consumers.filter((consumer) => consumer.config.durable_name)).toEqual([]);
    expect(harness.fanout.stats().liveConsumers).toBe(1);
  });

  it('says on /metrics, without a key, that it projects and how much', async () => {
    const metric = async (name: string) => {
      const text = (
        await harness.http
          .get('/metrics')
          .expect(200)
          .expect('content-type', /text\/plain/)
      ).text;
      return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1]);
    };
    const before = await metric('gateway_projection_events_projected_total');
    const id = await createSession(harness);
    const idle = await writer.append(id, { type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
    await waitFor(async () => (await projectedSeq(id)) === idle.seq, { what: 'the event projected' });
    expect(await metric('gateway_projection_leading')).toBe(1);
    expect(await metric('gateway_projection_events_projected_total')).toBe(before + 1);
    expect(await metric('gateway_projection_taken_seq')).toBeGreaterThanOrEqual(idle.seq);
    expect(await metric('gateway_projection_events_left_out_total')).toBe(0);
  });

  it('projects each event once, even when a new lease holder reads the whole stream again', async () => {
    const id = await createSession(harness);
    await writer.append(id, { type: 'session.status_running' });
    await writer.append(id, agentMessage('once'));
    const idle = await writer.append(id, { type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
    await waitFor(async () => (await projectedSeq(id)) === idle.seq, { what: 'idle projected' });

    // The lease passes to another replica, which fails to move the checkpoint: it is back at 0 when
    // the lease expires, and this gateway takes it again and reads the stream from its start.
    const db = harness.gateway.app.get(DataSource);
    const projector = harness.gateway.app.get(EventProjector, { strict: false });
    const leftOutBefore = projector.stats().eventsLeftOut;
    await db.query(
      `UPDATE projection_checkpoints SET holder = 'another replica', stream_seq = 0, lease_expires_at = now() + interval '1 second'`,
    );
    await waitFor(() => !projector.stats().leading, { what: 'the gateway to see its lease gone' });
    await waitFor(() => projector.stats().leading && projector.stats().tail >= idle.seq, {
      what: 'the gateway to lead again and read the stream back',
      timeoutMs: 15_000,
    });
    await waitFor(
      async () => {
        const rows = await db.query('SELECT stream_seq FROM projection_checkpoints');
        return Number(rows[0].stream_seq) >= idle.seq;
      },
      { what: 'the checkpoint moved past the events read again' },
    );

    const rows = await db.query('SELECT count(*)::int AS n FROM session_events WHERE session_id = $1', [id]);
    expect(rows[0].n).toBe(3);
    expect(await session(id)).toMatchObject({ status: 'idle' });
    expect(await projectedSeq(id)).toBe(idle.seq);
    // Listed already, not refused: nothing is left out.
    expect(projector.stats().eventsLeftOut).toBe(leftOutBefore);
  });

  it('refuses a batch from a replica that no longer holds the lease: nothing of it is written', async () => {
    const id = await createSession(harness);
    const before = await session(id);
    const repository = harness.gateway.app.get(ProjectionRepository, { strict: false });
    const db = harness.gateway.app.get(DataSource);
    const [row] = await db.query('SELECT stream, stream_seq FROM projection_checkpoints');
    const event = {
      id: 'sevt_fenced',
      type: 'session.status_running',
      processed_at: new Date().toISOString(),
    };
    const batch = new Map([
      [id, [{ seq: 1_000_000, number: 1, event: event as SessionEvent, body: JSON.stringify(event) }]],
    ]);
    await expect(
      repository.project(batch, {
        lease: { stream: row.stream, holder: 'a replica that lost it' },
        seq: 1_000_000,
      }),
    ).rejects.toThrow(ProjectionLeaseLostError);
    const listed = await db.query('SELECT count(*)::int AS n FROM session_events WHERE event_id = $1', [
      'sevt_fenced',
    ]);
    expect(listed[0].n).toBe(0);
    expect(await session(id)).toEqual(before);
    const [after] = await db.query('SELECT stream_seq FROM projection_checkpoints');
    expect(after.stream_seq).toBe(row.stream_seq);
  });

  it('reads the ack floor of the durable consumer earlier gateways projected through, and deletes it', async () => {
    const { jsm, js } = harness.nats.client;
    const stream = harness.nats.names.streams.events;
    const legacy = harness.gateway.app.get(LegacyProjectorConsumer, { strict: false });
    expect(await legacy.ackFloor()).toBeUndefined();
    const id = await createSession(harness);
    const appended = [];
    for (let i = 0; i < 3; i++) appended.push(await writer.append(id, agentMessage(`m${i}`)));
    const durable = `${stream.replace(/_EVENTS$/, '')}_gateway_projector`;
    await jsm.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: appended[0].seq,
      filter_subject: harness.nats.names.events(id),
    });
    const consumer = await js.consumers.get(stream, durable);
    for (let i = 0; i < 2; i++) {
      const delivered = await consumer.next({ expires: 5_000 });
      await delivered!.ackAck();
    }
    expect(await legacy.ackFloor()).toBe(appended[1].seq);
    await legacy.delete();
    expect(await legacy.ackFloor()).toBeUndefined();
  });

  describe('in batches', () => {
    type Appended = Awaited<ReturnType<EventWriter['append']>>;
    const projector = () => harness.gateway.app.get(EventProjector, { strict: false });
    const repository = () => harness.gateway.app.get(ProjectionRepository, { strict: false });
    const listedSeqs = async (id: string): Promise<number[]> => {
      const rows = await harness.gateway.app
        .get(DataSource)
        .query('SELECT seq FROM session_events WHERE session_id = $1 ORDER BY seq', [id]);
      return rows.map((row: { seq: string }) => Number(row.seq));
    };
    const listedEvents = async (id: string): Promise<SessionEvent[]> =>
      (await harness.authed('get', `/v1/sessions/${id}/events?limit=1000`).expect(200)).body.data;

    /**
     * Holds the session row's lock: the projector's transaction for the session's first event waits on
     * it, so the events appended meanwhile queue up behind it and are projected as one batch after.
     */
    const lockSessionRow = async (id: string): Promise<() => Promise<void>> => {
      const client = new Client({ connectionString: harness.db.url });
      await client.connect();
      await client.query('BEGIN');
      await client.query('SELECT 1 FROM sessions WHERE id = $1 FOR UPDATE', [id]);
      return async () => {
        await client.query('COMMIT');
        await client.end();
      };
    };
    /** Waits until a transaction of the projector waits for a row lock (the one `lockSessionRow` holds). */
    const projectorWaitsForLock = () =>
      waitFor(
        async () => {
          const rows = await harness.gateway.app
            .get(DataSource)
            .query(
              `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
            );
          return rows[0].n > 0;
        },
        { what: 'the projector to wait for the row lock' },
      );
    /** Waits until the projector has taken in every event up to `seq`. */
    const takenByProjector = (seq: number) =>
      waitFor(() => projector().stats().tail >= seq, { what: `the projector to take in event ${seq}` });

    /** Records the transactions the projector runs: the sessions of each, with their sequences and outcomes. */
    const recordTransactions = () => {
      const projection = repository();
      const project = projection.project.bind(projection);
      const transactions: Array<Map<string, { seqs: number[]; outcomes: ProjectionOutcome[] }>> = [];
      jest.spyOn(projection, 'project').mockImplementation(async (batches, checkpoint) => {
        const outcomes = await project(batches, checkpoint);
        transactions.push(
          new Map(
            [...batches].map(([id, events]) => [
              id,
              { seqs: events.map((event) => event.seq), outcomes: outcomes.get(id) ?? [] },
            ]),
          ),
        );
        return outcomes;
      });
      return transactions;
    };
    /** The batches of one session, in the order they were projected. */
    const batchesOf = (
      transactions: ReturnType<typeof recordTransactions>,
      sessionId: string,
    ): Array<{ seqs: number[]; outcomes: ProjectionOutcome[] }> =>
      transactions.flatMap((transaction) => transaction.get(sessionId) ?? []);

    /**
     * A new session whose row is locked while the projector's transaction for its first event waits on
     * the lock: what is appended from now on queues up for the next transaction. `release` ends it.
     */
    const holdProjection = async () => {
      const id = await createSession(harness);
      const transactions = recordTransactions();
      const release = await lockSessionRow(id);
      const appended: Appended[] = [await writer.append(id, { type: 'session.status_running' })];
      await projectorWaitsForLock();
      return { id, transactions, appended, release };
    };

    afterEach(() => jest.restoreAllMocks());

    it('projects a burst in one transaction: every event listed once, in order, the session up to date', async () => {
      const { id, transactions, appended, release } = await holdProjection();
      try {
        for (let i = 0; i < 100; i++) appended.push(await writer.append(id, agentMessage(`a${i}`)));
        appended.push(
          await writer.append(id, { type: 'session.updated', outputs: { cursor_agent_id: 'bc-burst' } }),
        );
        for (let i = 0; i < 100; i++) appended.push(await writer.append(id, agentMessage(`b${i}`)));
        appended.push(
          await writer.append(id, { type: 'session.updated', outputs: { cursor_run_id: 'run-2' } }),
        );
        appended.push(
          await writer.append(id, { type: 'session.status_idle', stop_reason: { type: 'end_turn' } }),
        );
        await takenByProjector(appended.at(-1)!.seq);
      } finally {
        await release();
      }
      await waitFor(async () => (await projectedSeq(id)) === appended.at(-1)!.seq, {
        what: 'the burst projected',
      });

      expect(await listedEvents(id)).toEqual(appended.map((a) => a.event));
      expect(await listedSeqs(id)).toEqual(appended.map((a) => a.seq));
      expect(await session(id)).toMatchObject({
        status: 'idle',
        provider_session_id: 'bc-burst',
        provider_run_id: 'run-2',
      });
      // The first transaction (what came in its linger) waited for the lock; everything delivered
      // meanwhile went into the next.
      const batches = batchesOf(transactions, id);
      expect(batches.length).toBeLessThanOrEqual(2);
      expect(batches[1].seqs.length).toBeGreaterThan(appended.length / 2);
      expect(batches.flatMap((batch) => batch.seqs)).toEqual(appended.map((a) => a.seq));
      expect(batches.flatMap((batch) => batch.outcomes)).toEqual(appended.map(() => 'applied'));
    });

    it('projects several sessions in one transaction, each in stream order', async () => {
      const ids = [await createSession(harness), await createSession(harness), await createSession(harness)];
      const transactions = recordTransactions();
      const appended = new Map<string, Appended[]>(ids.map((id) => [id, []]));
      const append = async (id: string, event: Parameters<EventWriter['append']>[1]) =>
        appended.get(id)!.push(await writer.append(id, event));
      // The first session's row is locked: the transaction holding its first event waits, and the
      // events of all three sessions delivered meanwhile queue up for the next one.
      const release = await lockSessionRow(ids[0]);
      try {
        for (const id of ids) await append(id, { type: 'session.status_running' });
        for (let i = 0; i < 5; i++) for (const id of ids) await append(id, agentMessage(`${id} #${i}`));
        for (const id of ids) {
          await append(id, { type: 'session.updated', outputs: { cursor_run_id: `run-${id}` } });
          await append(id, { type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
        }
        const all = [...appended.values()].flat();
        await takenByProjector(Math.max(...all.map((a) => a.seq)));
      } finally {
        await release();
      }
      for (const id of ids) {
        await waitFor(async () => (await projectedSeq(id)) === appended.get(id)!.at(-1)!.seq, {
          what: `session ${id} projected`,
        });
      }

      expect(transactions.some((transaction) => ids.every((id) => transaction.has(id)))).toBe(true);
      for (const id of ids) {
        const own = appended.get(id)!;
        expect(batchesOf(transactions, id).flatMap((batch) => batch.seqs)).toEqual(own.map((a) => a.seq));
        expect(await listedEvents(id)).toEqual(own.map((a) => a.event));
        expect(await session(id)).toMatchObject({ status: 'idle', provider_run_id: `run-${id}` });
      }
    });

    it('answers REST reads with what SSE already delivered, waiting for the projection to get there', async () => {
      const id = await createSession(harness);
      const running = await writer.append(id, { type: 'session.status_running' });
      await waitFor(async () => (await projectedSeq(id)) === running.seq, { what: 'running projected' });
      const release = await lockSessionRow(id);
      let reads: Promise<[SessionEvent[], { status: string }, { status: string }]>;
      let idle: Awaited<ReturnType<EventWriter['append']>>;
      try {
        await writer.append(id, agentMessage('all done'));
        idle = await writer.append(id, { type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
        await projectorWaitsForLock();
        // Read while the projection of the new events is held up, as a client does right after SSE
        // showed it `session.status_idle`.
        reads = Promise.all([
          listedEvents(id),
          harness
            .authed('get', `/v1/sessions/${id}`)
            .expect(200)
            .then((r) => r.body),
          session(id),
        ]);
        await new Promise((resolve) => setTimeout(resolve, 100));
      } finally {
        await release();
      }
      const [events, managed, lap] = await reads;
      expect(events.map((event) => event.type)).toEqual([
        'session.status_running',
        'agent.message',
        'session.status_idle',
      ]);
      expect(events.at(-1)!.id).toBe(idle.event.id);
      expect(managed.status).toBe('idle');
      expect(lap.status).toBe('idle');
    });

    it('answers REST reads with what is projected when the projection stays behind', async () => {
      const id = await createSession(harness);
      const running = await writer.append(id, { type: 'session.status_running' });
      await waitFor(async () => (await projectedSeq(id)) === running.seq, { what: 'running projected' });
      const release = await lockSessionRow(id);
      try {
        await writer.append(id, { type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
        await projectorWaitsForLock();
        expect((await listedEvents(id)).map((event) => event.type)).toEqual(['session.status_running']);
        expect((await session(id)).status).toBe('running');
      } finally {
        await release();
      }
    });

    it('projects the other sessions of a batch when one session row stays locked', async () => {
      const [stuck, free] = [await createSession(harness), await createSession(harness)];
      const release = await lockSessionRow(stuck);
      try {
        await writer.append(stuck, { type: 'session.status_running' });
        const freeRunning = await writer.append(free, { type: 'session.status_running' });
        // The batch holding both waits for the lock until its timeout, then each session goes alone.
        await waitFor(async () => (await projectedSeq(free)) === freeRunning.seq, {
          what: 'the free session projected while the other row is locked',
        });
        expect(await projectedSeq(stuck)).toBe(0);
      } finally {
        await release();
      }
      await waitFor(async () => (await session(stuck)).status === 'running', { what: 'the stuck one after' });
    });

    it('lists an event whose text holds a NUL or a lone surrogate exactly as published, and goes on', async () => {
      const id = await createSession(harness);
      await writer.append(id, { type: 'session.status_running' });
      // What a tool reading a binary file can return; jsonb holds neither character, json keeps both.
      const odd = await writer.append(id, agentMessage('nul \u0000 and half a pair \ud83d here'));
      const idle = await writer.append(id, {
        type: 'session.status_idle',
        stop_reason: { type: 'end_turn' },
      });
      await waitFor(async () => (await projectedSeq(id)) === idle.seq, { what: 'every event projected' });
      expect((await session(id)).status).toBe('idle');
      const listed = (await harness.authed('get', `/v1/sessions/${id}/events`).expect(200)).body.data;
      expect(listed.map((event: SessionEvent) => event.id)).toContain(odd.event.id);
      const listedOdd = listed.find((event: SessionEvent) => event.id === odd.event.id);
      expect(listedOdd).toEqual(odd.event);
      // Keys in the order published (jsonb would have sorted them: id, type, content, processed_at).
      expect(JSON.stringify(listedOdd)).toBe(JSON.stringify(odd.event));
    });

    it('projects an event whose processed_at lies past the year 9999', async () => {
      const id = await createSession(harness);
      // JavaScript reads it; its ISO text (+010000-…) is one PostgreSQL refuses, so it must not be sent so.
      const far = await writer.append(id, agentMessage('far future'), {
        processedAt: '+010000-01-01T00:00:00.123Z',
      });
      const next = await writer.append(id, agentMessage('now'));
      await waitFor(async () => (await projectedSeq(id)) === next.seq, { what: 'both events projected' });
      expect(await listedSeqs(id)).toEqual([far.seq, next.seq]);
      // Each listed with its own time, to the millisecond, not the time it was projected.
      const times = await harness.gateway.app
        .get(DataSource)
        .query('SELECT processed_at FROM session_events WHERE session_id = $1 ORDER BY seq', [id]);
      expect(times.map((row: { processed_at: Date }) => row.processed_at.getTime())).toEqual([
        Date.parse('+010000-01-01T00:00:00.123Z'),
        Date.parse(next.event.processed_at),
      ]);
    });

    it('lists an event whose type holds a lone surrogate, with U+FFFD in its place', async () => {
      const id = await createSession(harness);
      const odd = await writer.append(id, {
        ...agentMessage('odd type'),
        type: 'agent.message\ud83d',
      } as unknown as SessionEventBody);
      await waitFor(async () => (await projectedSeq(id)) === odd.seq, { what: 'the event projected' });
      const [row] = await harness.gateway.app
        .get(DataSource)
        .query('SELECT type FROM session_events WHERE seq = $1', [odd.seq]);
      expect(row.type).toBe('agent.message\ufffd');
    });

    it('leaves out an event the database refuses alone, and projects the events around it', async () => {
      const id = await createSession(harness);
      const release = await lockSessionRow(id);
      const appended: Appended[] = [];
      try {
        appended.push(await writer.append(id, { type: 'session.status_running' }));
        await projectorWaitsForLock();
        appended.push(await writer.append(id, agentMessage('fine')));
        // A text column cannot hold a NUL character: inserting this event fails, as part of any batch.
        appended.push(
          await writer.append(id, {
            ...agentMessage('bad type'),
            type: 'agent.message\u0000',
          } as unknown as SessionEventBody),
        );
        appended.push(await writer.append(id, agentMessage('after it')));
        await takenByProjector(appended.at(-1)!.seq);
      } finally {
        await release();
      }
      const [first, fine, , afterIt] = appended;
      // The refused event is left out (it stays in JetStream); the one after it is projected.
      await waitFor(async () => (await projectedSeq(id)) === afterIt.seq, { what: 'the event after it' });
      expect(await listedSeqs(id)).toEqual([first.seq, fine.seq, afterIt.seq]);
    });
  });
});
