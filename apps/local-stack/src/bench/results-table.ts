import type { BenchResults } from './bench-results';
import type { ConsumerBacklog } from './consumer-backlog';
import type { NatsTrafficPerEvent } from './nats-traffic';
import type { ProjectionCatchUp } from './projection-lag';
import type { RatioCeiling } from './ratio-ceiling';
import { round } from './statistics';
import { totalMicros, type WorkPerEvent } from './work-per-event';

type Row = [figure: string, value: string, target: string, verdict: string, run: string];

const ms = (value: number | null | undefined) =>
  value === null || value === undefined ? '–' : `${round(value, 2)} ms`;
const perSecond = (value: number | null | undefined) =>
  value === null || value === undefined ? '–' : `${Math.round(value).toLocaleString('en-US')}/s`;
const kib = (bytes: number | null | undefined) =>
  bytes === null || bytes === undefined ? '–' : `${round(bytes / 1024, 1)} KiB`;
/** ` (runs: a, b, c)`: one figure of each repeated run, beside their median; nothing for a single run. */
function eachRunOf<T>(runs: T[], pick: (run: T) => number | null, label = 'runs'): string {
  return runs.length > 1 ? ` (${label}: ${runs.map((run) => ms(pick(run))).join(', ')})` : '';
}
const verdict = (ok: boolean | null) => (ok === null ? '' : ok ? 'met' : 'NOT met');
const cpuList = (cpu: Record<string, number>) =>
  Object.entries(cpu)
    .map(([name, percent]) => `${name} ${Math.round(percent)}%`)
    .join(', ');

function consumerList(consumers: Record<string, ConsumerBacklog>): string {
  const text = Object.entries(consumers)
    .map(([name, c]) => `${name}: ${c.pending + c.ackPending} behind`)
    .join('; ');
  return text || '–';
}

/** Events read back were delivered to the gateway twice (its live feed let them go). */
function projectionWorkList(counters: Record<string, number>): string {
  const n = (name: string) => counters[name] ?? 0;
  return `events projected ${n('events_projected')}, read back ${n('events_read_back')}, left out ${n('events_left_out')}`;
}

function counterList(counters: Record<string, number>): string {
  const interesting = [
    'records_folded',
    'events_published',
    'records_ahead',
    'fenced_publishes',
    'state_conflicts',
  ];
  return interesting.map((name) => `${name.replace(/_/g, ' ')} ${counters[name] ?? 0}`).join(', ');
}

function projectionRow(figure: string, catchUp: ProjectionCatchUp): Row {
  return [
    figure,
    `${catchUp.backlogAtStart} events behind → ${catchUp.backlogAtEnd} after ${round(catchUp.waitedMs / 1000, 1)} s`,
    '',
    '',
    `${perSecond(catchUp.eventsPerSecond)} projected`,
  ];
}

/** CPU per event of every process together, in µs. */

/** What one event cost: CPU per process, and NATS messages and bytes. */
function workRows(work: WorkPerEvent, over: string): Row[] {
  const { cpuMicros, runQueueMicros, nats } = work;
  const each = (micros: Record<string, number>) =>
    Object.entries(micros)
      .map(([name, value]) => `${name} ${Math.round(value)}`)
      .join(', ');
  const waited = totalMicros(runQueueMicros);
  return [
    ['    CPU per event', `${Math.round(totalMicros(cpuMicros))} µs: ${each(cpuMicros)}`, '', '', over],
    [
      '    waiting for a core, per event',
      `${Math.round(waited)} µs: ${each(runQueueMicros)}`,
      '',
      '',
      'threads ready to run, not running (schedstat)',
    ],
    natsTrafficRow(nats),
  ];
}

function natsTrafficRow(nats: NatsTrafficPerEvent | null): Row {
  return [
    '    NATS traffic per event',
    nats
      ? `${round(nats.messagesIn, 2)} messages in, ${round(nats.messagesOut, 2)} out; ` +
        `${Math.round(nats.bytesIn)} B in, ${Math.round(nats.bytesOut)} B out`
      : '– (the bench runs on a shared server: --nats-url)',
    '',
    '',
    "the server's /varz counters",
  ];
}

type EventHopsResult = NonNullable<NonNullable<BenchResults['nats']>['eventHops']>;

/** What the ratio could reach with none of the services' own work, and what ⅓ leaves of it. */
function ceilingRows(ceiling: RatioCeiling): Row[] {
  const { hops, harness, database } = ceiling.givenMicros;
  const room = Math.round(ceiling.servicesOwnAtThirdMicros);
  return [
    [
      "    … if the services did only the hops' work",
      `${perSecond(ceiling.eventsPerSecond)}, ${round(ceiling.ratio, 3)} of JetStream's rate`,
      '',
      '',
      `an estimate: hops ${Math.round(hops)} + harness ${Math.round(harness)} + PostgreSQL ${Math.round(database)} µs per event left`,
    ],
    [
      "    the services' own work per event",
      `${Math.round(ceiling.servicesOwnMicros)} µs; at ⅓ of JetStream's rate ${room > 0 ? `${room} µs` : 'none'}`,
      '',
      '',
      'beyond the hops, the harness and PostgreSQL; the room: the same estimate',
    ],
  ];
}

/** The hops' CPU per event, each stage's and the bench's own server's. */
function hopsCpuText(hops: EventHopsResult): string {
  const cpu = totalMicros(hops.cpuMicros);
  const each = Object.entries(hops.cpuMicros).map(([name, micros]) => `${name} ${Math.round(micros)}`);
  const unpriced = 'nats-server' in hops.cpuMicros ? '' : ' (the server not priced: --nats-url)';
  return `${Math.round(cpu)} µs: ${each.join(', ')}${unpriced}`;
}

/** The pipeline's JetStream hops with no work between them: the part of the gap that is the design's. */
function eventHopsRows(hops: EventHopsResult, pipelined: number): Row[] {
  const p = hops.parameters;
  return [
    [
      "JetStream hops of the pipeline's events",
      perSecond(hops.eventsPerSecond),
      'limit',
      '',
      `${p.sessions}×${p.recordsPerSession} records of ${p.eventsPerRecord} events (${p.recordBytesPerEvent} B each), events of ${p.eventBytes} B, no work`,
    ],
    ['    … ÷ JetStream pipelined rate', `${round(hops.eventsPerSecond / pipelined, 3)}`, '', '', ''],
    [
      '    … while the source still appended',
      hops.whileSourceAppended === null
        ? '– (it was done before the 10th percentile)'
        : perSecond(hops.whileSourceAppended),
      '',
      '',
      '',
    ],
    ['    CPU per event', hopsCpuText(hops), '', '', 'runner, normalizer, gateway stand-ins'],
    natsTrafficRow(hops.nats),
  ];
}

/** The processes a bare NATS run keeps busy: the bench (both ends) and the server. */
const BARE_HOP_PROCESSES = ['bench', 'nats-server'];

/** CPU per message of a bare NATS run, the bench's and the server's (null when it was not priced). */
function bareHopMicros(work: WorkPerEvent | null): number | null {
  if (!work) return null;
  const parts = BARE_HOP_PROCESSES.map((name) => work.cpuMicros[name]);
  return parts.every((micros) => micros !== undefined) ? parts.reduce((a, b) => a + b, 0) : null;
}

function bareHopRow(work: WorkPerEvent | null): Row {
  const total = bareHopMicros(work);
  const each = BARE_HOP_PROCESSES.map((name) => `${name} ${Math.round(work?.cpuMicros[name] ?? 0)}`);
  return [
    '    CPU per message',
    total === null
      ? '– (not priced: a shared server (--nats-url), or nothing got through)'
      : `${Math.round(total)} µs: ${each.join(', ')}`,
    '',
    '',
    'the bench holds both ends',
  ];
}

/** The one table the bench prints: each figure beside its target from issue 6 and what was run. */
export function renderResultsTable(results: BenchResults): string {
  const rows: Row[] = [];
  const { nats, latency, throughput, upstream, fanout, sseClients, runnerSessions, startup } = results;
  if (nats) {
    const at = `${nats.parameters.ratePerSecond}/s, ${nats.parameters.payloadBytes} B`;
    rows.push([
      'NATS publish→subscribe p50/p99/max',
      `${ms(nats.natsHopMs.p50)} / ${ms(nats.natsHopMs.p99)} / ${ms(nats.natsHopMs.max)}`,
      'limit',
      '',
      at,
    ]);
    rows.push(bareHopRow(nats.natsHopWork));
    rows.push([
      'JetStream publish→ack p50/p99/max',
      `${ms(nats.jetStreamAckMs.p50)} / ${ms(nats.jetStreamAckMs.p99)} / ${ms(nats.jetStreamAckMs.max)}`,
      'limit',
      '',
      at,
    ]);
    rows.push(bareHopRow(nats.jetStreamAckWork));
    rows.push([
      'JetStream publish rate, 1 in flight',
      perSecond(nats.jetStreamSequentialPerSecond),
      'limit',
      '',
      `${nats.parameters.payloadBytes} B`,
    ]);
    rows.push([
      'JetStream publish rate, pipelined',
      `${perSecond(nats.jetStreamPipelinedPerSecond)} (median of ${nats.jetStreamPipelinedWindows.map(perSecond).join(', ')})`,
      'limit',
      '',
      `${nats.parameters.pipelineWindow} in flight`,
    ]);
    if (nats.eventHops) rows.push(...eventHopsRows(nats.eventHops, nats.jetStreamPipelinedPerSecond));
  }
  if (latency) {
    const { medianRun } = latency;
    const e = medianRun.endToEndMs;
    const p = medianRun.parameters;
    const run = `median of ${latency.runs.length} runs; ${p.sessions} sessions, ${perSecond(medianRun.deliveredPerSecond)} delivered, ${p.frameBytes} B, n=${e.count}`;
    rows.push([
      '(1) added latency p50',
      `${ms(latency.medianP50Ms)}${eachRunOf(latency.runs, (r) => r.endToEndMs.p50)}`,
      '≤ 3 ms',
      verdict(latency.medianP50Ms === null ? null : latency.medianP50Ms <= 3),
      run,
    ]);
    rows.push([
      '(1) added latency p99',
      `${ms(latency.medianP99Ms)}${eachRunOf(latency.runs, (r) => r.endToEndMs.p99)}`,
      '≤ 15 ms',
      verdict(latency.medianP99Ms === null ? null : latency.medianP99Ms <= 15),
      run,
    ]);
    rows.push(['(1) added latency max (median run)', ms(e.max), '', '', run]);
    for (const [stage, d] of Object.entries(medianRun.stagesMs)) {
      rows.push([`    stage ${stage} p50/p99`, `${ms(d.p50)} / ${ms(d.p99)}`, '', '', '']);
    }
    rows.push(['    CPU during run', cpuList(medianRun.cpuPercent), '', '', '100% = one core']);
    rows.push(['    durable consumers at the end', consumerList(medianRun.consumersAtEnd), '', '', '']);
    rows.push(['    normalizer counters', counterList(medianRun.normalizer), '', '', '']);
    rows.push(['    gateway projection', projectionWorkList(medianRun.projectionWork), '', '', '']);
    rows.push(...workRows(medianRun.perEvent, 'prompts → sessions idle'));
    const publishAck = bareHopMicros(nats?.jetStreamAckWork ?? null);
    if (publishAck) {
      rows.push([
        '    … ÷ one bare JetStream publish→ack',
        `${round(totalMicros(medianRun.perEvent.cpuMicros) / publishAck, 1)}×`,
        '',
        '',
        'at the same rate, in this run',
      ]);
    }
    if (results.projectionAfterLatency)
      rows.push(projectionRow('    projection catch-up after (1)', results.projectionAfterLatency));
  }
  if (throughput) {
    const p = throughput.parameters;
    const ratio = nats ? throughput.eventsPerSecond / nats.jetStreamPipelinedPerSecond : null;
    rows.push([
      '(2) events/s to SSE clients',
      perSecond(throughput.eventsPerSecond),
      '≥ 10,000/s',
      verdict(throughput.eventsPerSecond >= 10_000),
      `${p.sessions}×${p.framesPerSession} frames, ${p.frameBytes} B, pace 0`,
    ]);
    rows.push([
      '(2) … ÷ JetStream pipelined rate',
      ratio === null ? '–' : `${round(ratio, 3)}`,
      '≥ 0.33',
      verdict(ratio === null ? null : ratio >= 1 / 3),
      '',
    ]);
    const hops = nats?.eventHops;
    if (hops) {
      rows.push([
        "(2) … ÷ the pipeline's JetStream hops",
        `${round(throughput.eventsPerSecond / hops.eventsPerSecond, 3)}`,
        '',
        '',
        'the rest: the services, PostgreSQL, the harness',
      ]);
    }
    rows.push(['    CPU at saturation', cpuList(throughput.cpuPercent), '', '', '100% = one core']);
    const atWork = throughput.upstreamAtWork;
    rows.push([
      '    … while the runner still recorded',
      atWork ? perSecond(atWork.eventsPerSecond) : '– (it was done before the 10th percentile)',
      '',
      '',
      atWork ? `${round((atWork.to - atWork.from) / 1000, 1)} s of the window` : '',
    ]);
    if (atWork) rows.push(['    CPU meanwhile', cpuList(atWork.cpuPercent), '', '', '100% = one core']);
    rows.push(['    durable consumers at the end', consumerList(throughput.consumersAtEnd), '', '', '']);
    rows.push(['    normalizer counters', counterList(throughput.normalizer), '', '', '']);
    rows.push(['    gateway projection', projectionWorkList(throughput.projectionWork), '', '', '']);
    rows.push(projectionRow('    projection catch-up after (2)', throughput.projection));
    rows.push(...workRows(throughput.perEvent, 'prompts → projection caught up'));
    const pacedHops = nats?.eventHopsAtPipelineRate;
    if (pacedHops) {
      rows.push([
        "    … the JetStream hops' at this rate",
        hopsCpuText(pacedHops),
        '',
        '',
        `${perSecond(pacedHops.eventsPerSecond)} (paced at ${perSecond(pacedHops.parameters.eventsPerSecond)})`,
      ]);
    }
    if (results.ratioCeiling) rows.push(...ceilingRows(results.ratioCeiling));
  }
  if (runnerSessions) {
    const last = runnerSessions.steps[runnerSessions.steps.length - 1];
    rows.push([
      '(3) live sessions on one runner',
      String(runnerSessions.maxLive),
      '≥ 2,000',
      verdict(runnerSessions.maxLive >= 2000),
      `ramp ${runnerSessions.parameters.steps.join('→')}, [scenario:hang]`,
    ]);
    rows.push([
      '(3) runner RSS per live session',
      kib(last?.bytesPerSession),
      '≤ 150 KB',
      verdict(last?.bytesPerSession == null ? null : last.bytesPerSession <= 150_000),
      `at ${last?.live ?? 0} live`,
    ]);
  }
  if (sseClients) {
    rows.push([
      '(3) SSE clients on one gateway (fed)',
      `${sseClients.fed} of ${sseClients.opened} opened`,
      '≥ 10,000',
      verdict(sseClients.fed >= 10_000),
      `${sseClients.parameters.clients} asked, ${sseClients.parameters.sessions} sessions, opened in ${round(sseClients.openSeconds, 1)} s`,
    ]);
    rows.push([
      '(3) gateway RSS per SSE client',
      kib(sseClients.bytesPerClient),
      '≤ 50 KB',
      verdict(sseClients.bytesPerClient === null ? null : sseClients.bytesPerClient <= 50_000),
      '',
    ]);
  }
  for (const point of fanout ?? []) {
    const isTarget = point.clients === 1000;
    const { medianRun, medianP99Ms } = point;
    rows.push([
      `(3) fan-out delay, ${point.clients} client(s) p50/p99/max`,
      `${ms(point.medianP50Ms)} / ${ms(medianP99Ms)} / ${ms(medianRun.delayMs.max)}` +
        eachRunOf(point.runs, (run) => run.delayMs.p99, 'p99 of the runs'),
      isTarget ? 'p99 ≤ 50 ms' : '',
      isTarget ? verdict(medianP99Ms === null ? null : medianP99Ms <= 50) : '',
      `median of ${point.runs.length} runs` +
        (point.failures.length ? ` (${point.failures.length} failed)` : '') +
        `; median run: gateway CPU ${Math.round(medianRun.gatewayCpuPercent ?? 0)}%, ` +
        `bench ${Math.round(medianRun.benchCpuPercent)}%, ${medianRun.clientsCompleted} completed`,
    ]);
  }
  for (const point of upstream ?? []) {
    rows.push([
      `(4) upstream connections, ${point.watchers} watcher(s)`,
      String(point.upstreamConnections ?? '–'),
      'exactly 1',
      verdict(point.upstreamConnections === 1),
      `${point.watchersCompleted} watchers completed`,
    ]);
  }
  if (startup) {
    if (startup.skipped) rows.push(['(5) start-up', 'skipped', '', '', startup.skipped]);
    else {
      const launcher = (kind: string) =>
        startup.runs
          .filter((r) => r.kind === kind)
          .map((r) => (r.launcherSeconds === null ? '–' : `${r.launcherSeconds}`))
          .join(', ');
      rows.push([
        '(5) npm start → /readyz, cold',
        startup.coldMedianSeconds === null ? '–' : `${round(startup.coldMedianSeconds, 1)} s`,
        '≤ 15 s',
        verdict(startup.coldMedianSeconds === null ? null : startup.coldMedianSeconds <= 15),
        `median of ${startup.parameters.repeats}; launcher alone: ${launcher('cold')} s`,
      ]);
      rows.push([
        '(5) npm start → /readyz, warm',
        startup.warmMedianSeconds === null ? '–' : `${round(startup.warmMedianSeconds, 1)} s`,
        '',
        '',
        `launcher alone: ${launcher('warm')} s`,
      ]);
    }
  }
  for (const [name, message] of Object.entries(results.errors))
    rows.push([`${name}: FAILED`, message.slice(0, 60), '', '', '']);

  const headers: Row = ['figure', 'value', 'target', 'verdict', 'run'];
  const widths = headers.map((_, i) => Math.max(...[headers, ...rows].map((row) => row[i].length)));
  const line = (row: Row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]))
      .join(' │ ')
      .trimEnd();
  return [line(headers), widths.map((w) => '─'.repeat(w)).join('─┼─'), ...rows.map(line)].join('\n');
}
