export const PROFILE_KINDS = ['cpu', 'allocations'] as const;
export type ProfileKind = (typeof PROFILE_KINDS)[number];

export const MEASUREMENTS = [
  'nats',
  'latency',
  'throughput',
  'upstream',
  'fanout',
  'sse-clients',
  'runner-sessions',
  'startup',
] as const;
export type MeasurementName = (typeof MEASUREMENTS)[number];

/** Every knob of a bench run; all of it is written into the results so runs can be compared. */
export interface BenchOptions {
  mode: 'quick' | 'default';
  only: MeasurementName[];
  /**
   * Profile every service and summarize: `cpu` (node --cpu-prof), or `allocations` (where memory is
   * allocated, freed objects included: what makes the garbage collector work); null for none.
   */
  profile: ProfileKind | null;
  /** Use this NATS with a unique prefix instead of a private nats-server. */
  natsUrl?: string;
  /** Admin URL of the PostgreSQL the bench creates its database on. */
  postgresUrl: string;
  /** The NATS `npm start` is expected to find (start-up measurement). */
  startupNatsUrl: string;
  outDir: string;
  frameBytes: number;
  latencySessions: number;
  latencyRate: number;
  latencySeconds: number;
  /** The latency run is repeated: the machine is shared and noisy, so the median run is reported. */
  latencyRepeats: number;
  throughputSessions: number;
  throughputFrames: number;
  fanoutClients: number[];
  fanoutFrames: number;
  fanoutPaceMs: number;
  /** Each fan-out point is repeated, as the latency run is, and its median run reported. */
  fanoutRepeats: number;
  upstreamWatchers: number[];
  sseClients: number;
  sseSessions: number;
  runnerSessions: number[];
  startupRepeats: number;
  normalizers: number;
}

const PRESETS: Record<
  BenchOptions['mode'],
  Omit<BenchOptions, 'mode' | 'only' | 'profile' | 'natsUrl' | 'postgresUrl' | 'startupNatsUrl' | 'outDir'>
> = {
  quick: {
    frameBytes: 256,
    latencySessions: 10,
    latencyRate: 1000,
    latencySeconds: 8,
    latencyRepeats: 3,
    throughputSessions: 16,
    throughputFrames: 500,
    fanoutClients: [1, 100, 1000],
    fanoutFrames: 60,
    fanoutPaceMs: 20,
    fanoutRepeats: 3,
    upstreamWatchers: [1, 100],
    sseClients: 1000,
    sseSessions: 10,
    runnerSessions: [100, 200],
    startupRepeats: 1,
    normalizers: 1,
  },
  default: {
    frameBytes: 256,
    latencySessions: 10,
    latencyRate: 1000,
    latencySeconds: 20,
    latencyRepeats: 3,
    throughputSessions: 32,
    throughputFrames: 1500,
    fanoutClients: [1, 100, 1000],
    fanoutFrames: 200,
    fanoutPaceMs: 20,
    fanoutRepeats: 3,
    upstreamWatchers: [1, 100],
    sseClients: 10000,
    sseSessions: 10,
    runnerSessions: [500, 1000, 2000],
    startupRepeats: 3,
    normalizers: 1,
  },
};

const USAGE = `npm run bench -- [--quick] [--only=${MEASUREMENTS.join(',')}] [--profile[=cpu|allocations]]
  [--nats-url=nats://…] [--postgres-url=postgres://…] [--out=bench-results]
  [--frame-bytes=N] [--latency-sessions=N] [--latency-rate=N] [--latency-seconds=N]
  [--latency-repeats=N]
  [--throughput-sessions=N] [--throughput-frames=N] [--fanout-clients=1,100,1000] [--fanout-frames=N]
  [--fanout-pace-ms=N] [--fanout-repeats=N] [--upstream-watchers=1,100] [--sse-clients=N] [--sse-sessions=N]
  [--runner-sessions=500,1000,2000] [--startup-repeats=N] [--normalizers=N]`;

export class BenchUsageError extends Error {
  constructor(message: string) {
    super(`${message}\n\n${USAGE}`);
    this.name = 'BenchUsageError';
  }
}

const toCamel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export function parseBenchOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new BenchUsageError(`unexpected argument ${arg}`);
    flags.set(match[1], match[2] ?? 'true');
  }
  if (flags.has('help')) throw new BenchUsageError('usage:');
  const mode = flags.get('quick') === 'true' ? 'quick' : 'default';
  flags.delete('quick');
  const options: BenchOptions = {
    mode,
    only: [...MEASUREMENTS],
    profile: null,
    postgresUrl: env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    startupNatsUrl: 'nats://127.0.0.1:4222',
    outDir: 'bench-results',
    ...PRESETS[mode],
  };
  for (const [flag, value] of flags) {
    const key = toCamel(flag);
    switch (key) {
      case 'only': {
        const names = value.split(',').filter(Boolean);
        for (const name of names) {
          if (!(MEASUREMENTS as readonly string[]).includes(name))
            throw new BenchUsageError(`unknown measurement ${name}`);
        }
        options.only = names as MeasurementName[];
        break;
      }
      case 'profile': {
        const kind = value === 'true' ? 'cpu' : value;
        if (kind === 'false') options.profile = null;
        else if ((PROFILE_KINDS as readonly string[]).includes(kind)) options.profile = kind as ProfileKind;
        else throw new BenchUsageError(`--profile takes ${PROFILE_KINDS.join(' or ')}, not ${value}`);
        break;
      }
      case 'natsUrl':
      case 'postgresUrl':
      case 'outDir':
        options[key] = value;
        break;
      case 'out':
        options.outDir = value;
        break;
      case 'fanoutClients':
      case 'upstreamWatchers':
      case 'runnerSessions':
        options[key] = value.split(',').map((n) => wholeNumber(flag, n));
        break;
      default: {
        if (!(key in PRESETS.default)) throw new BenchUsageError(`unknown flag --${flag}`);
        const n = wholeNumber(flag, value);
        if (key.endsWith('Repeats') && n < 1) throw new BenchUsageError(`--${flag} expects at least 1`);
        (options as unknown as Record<string, number>)[key] = n;
      }
    }
  }
  return options;
}

function wholeNumber(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new BenchUsageError(`--${flag} expects whole numbers, got ${value}`);
  return n;
}
