import { natsNames } from '@lap/contracts';
import { DurableWorker, NatsClient, type WorkItem } from '@lap/messaging';
import { DeliverPolicy } from '@nats-io/jetstream';

/**
 * One process of the event-hops measurement (`event-hops.ts` forks three): the JetStream hops an event
 * takes through the platform, through the platform's own messaging package, with nothing done between
 * them. `source` appends raw records per session, each awaited and fenced, as a runner does; `relay` takes them from a shared durable consumer and appends each record's events to the session's events
 * subject, the first fenced and awaited and the rest pipelined, then acks the record, as a normalizer
 * does; `sink` reads the events stream through an ordered consumer, as a gateway does, and notes when
 * each event arrived.
 */
export interface EventHopsLoad {
  natsUrl: string;
  prefix: string;
  sessions: number;
  recordsPerSession: number;
  /** Events each raw record turns into: the pipeline's records held about 4 at saturation. */
  eventsPerRecord: number;
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
  /** The sink has every event. */
  | { type: 'done' }
  | { type: 'report'; records: number; events: number; arrivalsMs: number[]; errors: number };

const PUBLISH_TIMEOUT_MS = 10_000;

const now = () => performance.timeOrigin + performance.now();

async function runStage(settings: EventHopsStageSettings): Promise<void> {
  const client = await NatsClient.connect({ url: settings.natsUrl, name: `bench-hops-${settings.role}` });
  const names = natsNames(settings.prefix);
  const tally = { records: 0, events: 0, arrivalsMs: [] as number[], errors: 0 };
  const stopping = new AbortController();
  const send = (message: FromStage) => process.send?.(message);

  const sessionIds = Array.from({ length: settings.sessions }, (_, i) => `s${i}`);
  const start = {
    source: () => {
      const record = new Uint8Array(settings.eventBytes * settings.eventsPerRecord);
      for (const sessionId of sessionIds) {
        void (async () => {
          let lastSeq = 0;
          for (let n = 0; n < settings.recordsPerSession && !stopping.signal.aborted; n++) {
            const ack = await client.publisher.publish(names.raw(sessionId), record, {
              msgId: `${sessionId}-${n}`,
              expectLastSubjectSeq: lastSeq,
              timeoutMs: PUBLISH_TIMEOUT_MS,
            });
            lastSeq = ack.seq;
            tally.records++;
          }
        })().catch(() => tally.errors++);
      }
    },
    relay: () => {
      const event = new Uint8Array(settings.eventBytes);
      const lastEventSeq = new Map<string, number>();
      const queued = new Map<string, Promise<void>>();
      const relay = async (item: WorkItem) => {
        const subject = names.events(item.subject.slice(item.subject.lastIndexOf('.') + 1));
        const first = await client.publisher.publish(subject, event, {
          msgId: `${item.seq}-0`,
          expectLastSubjectSeq: lastEventSeq.get(subject) ?? 0,
          timeoutMs: PUBLISH_TIMEOUT_MS,
        });
        const rest = await Promise.all(
          Array.from({ length: settings.eventsPerRecord - 1 }, (_, i) =>
            client.publisher.publish(subject, event, {
              msgId: `${item.seq}-${i + 1}`,
              timeoutMs: PUBLISH_TIMEOUT_MS,
            }),
          ),
        );
        lastEventSeq.set(subject, (rest.at(-1) ?? first).seq);
        await item.ack();
        tally.records++;
        tally.events += settings.eventsPerRecord;
      };
      const worker = new DurableWorker(
        client,
        { stream: names.streams.raw, durable: 'hops', ackWaitMs: 30_000, concurrency: 256 },
        () => tally.errors++,
      );
      void worker.ensureConsumer().then(() =>
        worker.start((item) => {
          // A session's records are relayed in order, one at a time, as the normalizer folds them.
          const session = item.subject;
          const next = (queued.get(session) ?? Promise.resolve()).then(() => relay(item));
          queued.set(
            session,
            next.catch(() => undefined),
          );
          return next;
        }),
      );
      stopping.signal.addEventListener('abort', () => void worker.stop());
    },
    sink: () => {
      void (async () => {
        const consumer = await client.js.consumers.get(names.streams.events, {
          deliver_policy: DeliverPolicy.All,
        });
        const messages = await consumer.consume();
        stopping.signal.addEventListener('abort', () => void messages.close());
        const expected = settings.sessions * settings.recordsPerSession * settings.eventsPerRecord;
        for await (const _message of messages) {
          tally.arrivalsMs.push(now());
          if (++tally.events === expected) send({ type: 'done' });
        }
      })().catch(() => tally.errors++);
    },
  };

  process.on('message', (message: ToStage) => {
    if (message.type === 'start') start[settings.role]();
    if (message.type === 'report') send({ type: 'report', ...tally });
  });
  process.on('disconnect', () => {
    stopping.abort();
    void client.close().finally(() => process.exit(0));
  });
  send({ type: 'ready' });
}

void runStage(JSON.parse(process.argv[2] ?? '{}') as EventHopsStageSettings).catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
