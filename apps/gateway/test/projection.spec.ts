import { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { SessionEvent, SessionEventBody } from '@lap/contracts';
import { waitFor } from '@lap/testing';
import type { ProjectionOutcome } from '../src/projection/batch-fold';
import { projectorDurableName } from '../src/projection/event-projector.service';
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

  it('projects each event once, even when the whole stream is delivered again', async () => {
    const id = await createSession(harness);
    await writer.append(id, { type: 'session.status_running' });
    await writer.append(id, agentMessage('once'));
    await writer.append(id, { type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
    await waitFor(async () => (await session(id)).status === 'idle', { what: 'idle' });

    // Replace the projector's durable consumer with a fresh one: every event is delivered again.
    const { jsm } = harness.nats.client;
    const stream = harness.nats.names.streams.events;
    const durable = projectorDurableName(harness.nats.names);
    const { config } = await jsm.consumers.info(stream, durable);
    await jsm.consumers.delete(stream, durable);
    await jsm.consumers.add(stream, config);
    await waitFor(
      async () => {
        const info = await jsm.consumers.info(stream, durable);
        return info.num_pending === 0 && info.num_ack_pending === 0 && info.delivered.stream_seq > 0;
      },
      { what: 'the recreated consumer to catch up', timeoutMs: 30_000 },
    );
    const rows = await harness.gateway.app
      .get(DataSource)
      .query('SELECT count(*)::int AS n FROM session_events WHERE session_id = $1', [id]);
    expect(rows[0].n).toBe(3);
    expect((await session(id)).status).toBe('idle');
  });

  describe('in batches', () => {
    type Appended = Awaited<ReturnType<EventWriter['append']>>;
    const consumer = () =>
      harness.nats.client.jsm.consumers.info(
        harness.nats.names.streams.events,
        projectorDurableName(harness.nats.names),
      );
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
    /** Waits until the projector holds `count` events up to `seq`, none of them settled yet. */
    const heldByProjector = (seq: number, count: number) =>
      waitFor(
        async () => {
          const info = await consumer();
          return info.delivered.stream_seq >= seq && info.num_ack_pending >= count;
        },
        { what: `the projector to hold ${count} events` },
      );

    /** Records the transactions the projector runs: the sessions of each, with their sequences and outcomes. */
    const recordTransactions = () => {
      const projection = repository();
      const project = projection.project.bind(projection);
      const transactions: Array<Map<string, { seqs: number[]; outcomes: ProjectionOutcome[] }>> = [];
      jest.spyOn(projection, 'project').mockImplementation(async (batches) => {
        const outcomes = await project(batches);
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
     * Makes event `seq` of a session come late: the first batch holding it is projected (for real)
     * without it, and the event is handed back as waiting, so NATS delivers it again shortly. Resolves
     * with that batch's sequences and outcomes and the session's projected sequence right after it.
     */
    const deliverLate = (sessionId: string, seq: number) => {
      const projection = repository();
      const project = projection.project.bind(projection);
      return new Promise<{ seqs: number[]; outcomes: ProjectionOutcome[]; projectedSeq: number }>(
        (resolve) => {
          const spy = jest.spyOn(projection, 'project').mockImplementation(async (batches) => {
            const events = batches.get(sessionId) ?? [];
            const late = events.findIndex((event) => event.seq === seq);
            if (late < 0) return project(batches);
            spy.mockRestore();
            const others = events.filter((_, index) => index !== late);
            const outcomes = await project(new Map([...batches, [sessionId, others]]));
            const sessionOutcomes = outcomes.get(sessionId)!;
            resolve({
              seqs: others.map((event) => event.seq),
              outcomes: sessionOutcomes,
              projectedSeq: await projectedSeq(sessionId),
            });
            outcomes.set(sessionId, [
              ...sessionOutcomes.slice(0, late),
              'waiting',
              ...sessionOutcomes.slice(late),
            ]);
            return outcomes;
          });
        },
      );
    };

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
        await heldByProjector(appended.at(-1)!.seq, appended.length);
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
        await heldByProjector(Math.max(...all.map((a) => a.seq)), all.length);
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

    it('applies a batch up to a missing predecessor, and the rest once the predecessor arrives', async () => {
      const id = await createSession(harness);
      const release = await lockSessionRow(id);
      const appended: Appended[] = [];
      let gapBatch: ReturnType<typeof deliverLate>;
      try {
        appended.push(await writer.append(id, { type: 'session.status_running' }));
        await projectorWaitsForLock();
        const beforeGap = await writer.append(id, agentMessage('before the gap'));
        const late = await writer.append(id, {
          type: 'session.updated',
          outputs: { cursor_run_id: 'run-late' },
        });
        const afterGap = await writer.append(id, agentMessage('after the gap'));
        const last = await writer.append(id, {
          type: 'session.status_idle',
          stop_reason: { type: 'end_turn' },
        });
        appended.push(beforeGap, late, afterGap, last);
        await heldByProjector(last.seq, appended.length);
        gapBatch = deliverLate(id, late.seq);
      } finally {
        await release();
      }
      const [, beforeGap, , afterGap, last] = appended;

      const gap = await gapBatch;
      expect(gap.seqs).toEqual([beforeGap.seq, afterGap.seq, last.seq]);
      expect(gap.outcomes).toEqual(['applied', 'waiting', 'waiting']);
      expect(gap.projectedSeq).toBe(beforeGap.seq);

      await waitFor(async () => (await projectedSeq(id)) === last.seq, { what: 'the events after the gap' });
      expect(await listedEvents(id)).toEqual(appended.map((a) => a.event));
      expect(await session(id)).toMatchObject({ status: 'idle', provider_run_id: 'run-late' });
    });

    it('lists and applies each event once when a batch holds redeliveries of it', async () => {
      const { id, transactions, appended, release } = await holdProjection();
      try {
        appended.push(
          await writer.append(id, { type: 'session.updated', outputs: { cursor_run_id: 'run-d' } }),
        );
        appended.push(await writer.append(id, agentMessage('twice')));
        appended.push(
          await writer.append(id, { type: 'session.status_idle', stop_reason: { type: 'end_turn' } }),
        );
        await heldByProjector(appended.at(-1)!.seq, appended.length);
        // A fresh consumer delivers the whole stream again, while the first deliveries are still queued.
        const { jsm } = harness.nats.client;
        const stream = harness.nats.names.streams.events;
        const durable = projectorDurableName(harness.nats.names);
        const { config } = await jsm.consumers.info(stream, durable);
        // nats-server 2.9 can fail the delete ("directory not empty") while it writes the consumer's state.
        const gone = () =>
          jsm.consumers.info(stream, durable).then(
            () => false,
            () => true,
          );
        await waitFor(() => jsm.consumers.delete(stream, durable).catch(gone), {
          what: 'the consumer deleted',
        });
        await jsm.consumers.add(stream, config);
        await heldByProjector(appended.at(-1)!.seq, appended.length);
        // Delivered is not yet queued: give the projector a moment to take the deliveries in.
        await new Promise((resolve) => setTimeout(resolve, 100));
      } finally {
        await release();
      }
      await waitFor(
        async () => {
          const info = await consumer();
          return info.num_pending === 0 && info.num_ack_pending === 0;
        },
        { what: 'every delivery settled', timeoutMs: 30_000 },
      );

      const batches = batchesOf(transactions, id);
      const projected = batches.flatMap(({ seqs, outcomes }) =>
        seqs.map((seq, i) => ({ seq, outcome: outcomes[i] })),
      );
      expect(batches.some(({ seqs }) => new Set(seqs).size < seqs.length)).toBe(true);
      expect(projected.filter(({ outcome }) => outcome === 'applied').map(({ seq }) => seq)).toEqual(
        appended.map((a) => a.seq),
      );
      expect(projected.filter(({ outcome }) => outcome !== 'applied').map(({ outcome }) => outcome)).toEqual(
        appended.map(() => 'stale'),
      );
      expect(await listedEvents(id)).toEqual(appended.map((a) => a.event));
      expect(await projectedSeq(id)).toBe(appended.at(-1)!.seq);
      expect(await session(id)).toMatchObject({ status: 'idle', provider_run_id: 'run-d' });
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

    it('fails an event the database refuses alone: the events before it in its batch are projected', async () => {
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
        await heldByProjector(appended.at(-1)!.seq, appended.length);
      } finally {
        await release();
      }
      const [first, fine, , afterIt] = appended;
      // The event after the refused one is listed, but waits for it before moving the session.
      await waitFor(async () => (await listedSeqs(id)).length === 3, { what: 'the others listed' });
      expect(await listedSeqs(id)).toEqual([first.seq, fine.seq, afterIt.seq]);
      expect(await projectedSeq(id)).toBe(fine.seq);
    });
  });
});
