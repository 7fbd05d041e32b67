/**
 * One process of the event-hops measurement (`event-hops.ts` forks three): the JetStream hops an event
 * takes through the platform, through the platform's own messaging package, with the same headers and
 * nothing done between hops.
 *
 * - `source`, as a runner: appends each session's raw records one at a time, each fenced and awaited.
 * - `relay`, as a normalizer: takes them from a shared durable consumer; the records of a session that
 *   queued up meanwhile are relayed together, as the normalizer folds them: their events go to the
 *   session's events subject, the first fenced and awaited and the rest pipelined, then the records
 *   are acked. (The normalizer's fold-state saves, about one per busy session every 100 ms, are left out.)
 * - `sink`, as a gateway: reads the events stream through an ordered consumer and notes each arrival.
 */
import { Header, natsNames, sessionIdOfSubject } from '@lap/contracts';
import { DurableWorker, NatsClient, sleep, type WorkItem } from '@lap/messaging';
import { DeliverPolicy } from '@nats-io/jetstream';

/** What the three stages carry, and where. */
export interface EventHopsLoad {
  natsUrl: string;
  /** The hops' own stream and subject prefix. */
  prefix: string;
  sessions: number;
  recordsPerSession: number;
  /** Events per raw record, on average: records hold the whole part or one more, spread evenly. */
  eventsPerRecord: number;
  /** Events per second the source appends at; absent: as fast as each session's appends are acked. */
  eventsPerSecond?: number;
  /** A raw record's bytes for each of its events (a Cursor frame in the record's JSON). */
  recordBytesPerEvent: number;
  eventBytes: number;
}

export interface EventHopsStageSettings extends EventHopsLoad {
  role: 'source' | 'relay' | 'sink';
}

/** What the bench tells a stage. */
export type ToStage = { type: 'start' } | { type: 'report' };

/** What a stage tells the bench. */
export type FromStage =
  | { type: 'ready' }
  /** The sink has every event, or the relay has relayed every record. */
  | { type: 'done' }
  /** A publish, an ack or a read failed: the figure would not be the hops'. */
  | { type: 'failed'; message: string }
  | { type: 'report'; records: number; events: number; arrivalsMs: number[]; lastAppendAtMs: number };

/** Events in a session's record `n`: the whole part of the average or one more, summing to it. */
export function eventsInRecord(n: number, eventsPerRecord: number): number {
  return Math.floor((n + 1) * eventsPerRecord) - Math.floor(n * eventsPerRecord);
}

/** Raw records the stages carry in all. */
export function recordsCarried(load: EventHopsLoad): number {
  return load.sessions * load.recordsPerSession;
}

/** Events the stages carry in all. */
export function eventsCarried(load: EventHopsLoad): number {
  return load.sessions * Math.floor(load.recordsPerSession * load.eventsPerRecord);
}

const PUBLISH_TIMEOUT_MS = 10_000;
/** Most records of a session relayed together, as the normalizer's session queue hands them out. */
const MAX_RUN = 256;

const now = () => performance.timeOrigin + performance.now();

/** A delivered raw record waiting in its session's lane. */
interface Queued {
  item: WorkItem;
  done(): void;
  failed(error: unknown): void;
}

async function runStage(settings: EventHopsStageSettings): Promise<void> {
  const stopping = new AbortController();
  // The bench gone (done, or killed), the stage goes too, even before it is connected.
  let closeClient = () => Promise.resolve();
  process.on('disconnect', () => {
    stopping.abort();
    void closeClient().finally(() => process.exit(0));
  });
  const client = await NatsClient.connect({ url: settings.natsUrl, name: `bench-hops-${settings.role}` });
  closeClient = () => client.close();
  const names = natsNames(settings.prefix);
  // Records appended (source) or relayed (relay); events relayed (relay) or received (sink).
  const tally = { records: 0, events: 0, arrivalsMs: [] as number[], lastAppendAtMs: 0 };
  // Once the bench has gone (its run ended, its streams deleted), what is left to tell is dropped.
  const send = (message: FromStage) => {
    if (process.connected) process.send?.(message, undefined, {}, () => undefined);
  };
  const fail = (error: unknown) =>
    send({ type: 'failed', message: `${settings.role}: ${(error as Error).message}` });
  // Ids as long as the platform's, so the headers weigh what they weigh there.
  const sessionIds = Array.from(
    { length: settings.sessions },
    (_, i) => `sesn_hops${String(i).padStart(22, '0')}`,
  );
  const event = new Uint8Array(settings.eventBytes);

  // Each role sets up what it needs before the bench starts the clock, and answers how to start.
  const source = async () => () => {
    const startedAt = now();
    // Paced: every session's records fall due together, as the emulator's runs write on the same
    // timer ticks (spread out, they would share fewer wake-ups than the pipeline's do).
    const recordEveryMs = settings.eventsPerSecond
      ? (1000 * settings.sessions * settings.eventsPerRecord) / settings.eventsPerSecond
      : 0;
    for (const sessionId of sessionIds) {
      void (async () => {
        let lastSeq = 0;
        for (let n = 0; n < settings.recordsPerSession && !stopping.signal.aborted; n++) {
          const dueIn = startedAt + recordEveryMs * n - now();
          if (dueIn > 1) await sleep(dueIn);
          const events = eventsInRecord(n, settings.eventsPerRecord);
          const ack = await client.publisher.publish(
            names.raw(sessionId),
            new Uint8Array(events * settings.recordBytesPerEvent),
            {
              msgId: `${sessionId}-${n}`,
              expectLastSubjectSeq: lastSeq,
              headers: {
                [Header.SessionId]: sessionId,
                [Header.PrevSeq]: String(lastSeq),
                [Header.RecordKind]: 'cursor.frames',
                [Header.RunState]: 'running',
                [Header.CommandId]: `cmd_${sessionId}`,
                [Header.CursorAgentId]: `bc-${sessionId}`,
                [Header.CursorRunId]: `run-${sessionId}`,
                [Header.CursorLastEventId]: `${Date.now()}-${n}`,
              },
              timeoutMs: PUBLISH_TIMEOUT_MS,
            },
          );
          lastSeq = ack.seq;
          tally.records++;
          tally.lastAppendAtMs = now();
        }
      })().catch(fail);
    }
  };

  const relay = async () => {
    const records = recordsCarried(settings);
    const lastEventSeq = new Map<string, number>();
    const lanes = new Map<string, Queued[]>();
    const relayRun = async (sessionId: string, run: WorkItem[]) => {
      const subject = names.events(sessionId);
      let eventNumber = 0;
      const publish = (expectLastSubjectSeq?: number) => {
        eventNumber++;
        return client.publisher.publish(subject, event, {
          msgId: `${sessionId}-${lastEventSeq.get(subject) ?? 0}-${eventNumber}`,
          expectLastSubjectSeq,
          headers: {
            [Header.SessionId]: sessionId,
            [Header.EventId]: `sevt_${String(eventNumber).padStart(26, '0')}`,
            [Header.EventType]: 'agent.message',
            [Header.EventNumber]: String(eventNumber),
          },
          timeoutMs: PUBLISH_TIMEOUT_MS,
        });
      };
      // A record's size says how many events it holds: the source sizes it so (at least one each).
      const count = run.reduce((sum, item) => sum + item.data.length / settings.recordBytesPerEvent, 0);
      const first = await publish(lastEventSeq.get(subject) ?? 0);
      const rest = await Promise.all(Array.from({ length: count - 1 }, () => publish()));
      lastEventSeq.set(subject, (rest.at(-1) ?? first).seq);
      await Promise.all(run.map((item) => item.ack()));
      tally.records += run.length;
      tally.events += 1 + rest.length;
      if (tally.records === records) send({ type: 'done' });
    };
    const drain = async (sessionId: string, lane: Queued[]) => {
      while (lane.length > 0) {
        const run = lane.splice(0, MAX_RUN);
        await relayRun(
          sessionId,
          run.map((queued) => queued.item),
        ).then(
          () => run.forEach((queued) => queued.done()),
          (error: unknown) => run.forEach((queued) => queued.failed(error)),
        );
      }
      lanes.delete(sessionId);
    };
    const worker = new DurableWorker(
      client,
      { stream: names.streams.raw, durable: 'hops', ackWaitMs: 30_000, concurrency: 256 },
      (message, error) => fail(new Error(`${message}: ${(error as Error).message}`)),
    );
    await worker.ensureConsumer();
    stopping.signal.addEventListener('abort', () => void worker.stop());
    return () =>
      worker.start(
        (item) =>
          new Promise<void>((done, failed) => {
            // Resolves once the record is relayed, so the worker counts it in flight until then.
            const sessionId = sessionIdOfSubject(item.subject);
            const lane = lanes.get(sessionId);
            if (lane) return void lane.push({ item, done, failed });
            const started: Queued[] = [{ item, done, failed }];
            lanes.set(sessionId, started);
            void drain(sessionId, started);
          }),
      );
  };

  // Reads from the start: nothing arrives before the source starts.
  const sink = async () => {
    const expected = eventsCarried(settings);
    const consumer = await client.js.consumers.get(names.streams.events, {
      deliver_policy: DeliverPolicy.All,
    });
    const messages = await consumer.consume();
    stopping.signal.addEventListener('abort', () => void messages.close());
    void (async () => {
      for await (const _message of messages) {
        tally.arrivalsMs.push(now());
        if (++tally.events === expected) send({ type: 'done' });
      }
    })().catch(fail);
    return () => undefined;
  };

  const start = await { source, relay, sink }[settings.role]();
  process.on('message', (message: ToStage) => {
    if (message.type === 'start') start();
    if (message.type === 'report') send({ type: 'report', ...tally });
  });
  send({ type: 'ready' });
}

if (require.main === module) {
  void runStage(JSON.parse(process.argv[2] ?? '{}') as EventHopsStageSettings).catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
