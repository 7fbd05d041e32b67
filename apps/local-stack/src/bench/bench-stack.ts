import { randomBytes } from 'crypto';
import path from 'path';
import { freePort } from '../infrastructure/free-port';
import type { ProfileKind } from './bench-options';
import { ServiceProcess } from './service-process';

export interface BenchStackSettings {
  natsUrl: string;
  prefix: string;
  databaseUrl: string;
  logDir: string;
  /** Raises the runner's session cap (default 500) so the concurrency figure measures the process. */
  runnerMaxSessions: number;
  /** Normalizer replicas sharing the one durable consumer (several show the "ahead" nak cost). */
  normalizers: number;
  /** Profiles every service into `<dir>/<service>/`; none when unset. */
  profile?: { kind: ProfileKind; dir: string };
}

export interface BenchStack {
  gatewayUrl: string;
  emulatorUrl: string;
  masterKey: string;
  /** The service processes, by app name, for CPU and memory readings. */
  services: ServiceProcess[];
  service(app: string): ServiceProcess;
  stop(): Promise<void>;
}

/**
 * The platform as production runs it, one process per service from its built `dist/main.js`, on free
 * loopback ports, against the bench's NATS prefix and database. Started in dependency order and
 * stopped in reverse.
 */
export async function startBenchStack(settings: BenchStackSettings): Promise<BenchStack> {
  const [emulatorPort, credentialsPort, runnerPort, gatewayPort] = await Promise.all(
    Array.from({ length: 4 }, () => freePort()),
  );
  const normalizerPorts = await Promise.all(Array.from({ length: settings.normalizers }, () => freePort()));
  const masterKey = `sk-bench-${randomBytes(12).toString('hex')}`;
  const common = {
    NATS_URL: settings.natsUrl,
    LAP_PREFIX: settings.prefix,
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
  };
  const spec = (app: string, env: Record<string, string>, readyUrl: string, name = app) => {
    const profiled = profiling(settings.profile, name);
    return new ServiceProcess({
      app,
      name,
      env: { ...env, ...profiled.env },
      readyUrl,
      logFile: path.join(settings.logDir, `${name}.log`),
      nodeFlags: profiled.nodeFlags,
    });
  };
  const services = [
    spec(
      'cursor-emulator',
      { PORT: String(emulatorPort), LOG_LEVEL: 'warn' },
      `http://127.0.0.1:${emulatorPort}/__emulator/stats`,
    ),
    spec(
      'credentials',
      {
        ...common,
        DATABASE_URL: settings.databaseUrl,
        CREDENTIALS_PORT: String(credentialsPort),
        CREDENTIALS_ENCRYPTION_KEYS: `bench:${randomBytes(32).toString('base64')}`,
      },
      `http://127.0.0.1:${credentialsPort}/readyz`,
    ),
    ...normalizerPorts.map((port, i) =>
      spec(
        'normalizer',
        { ...common, NORMALIZER_PORT: String(port) },
        `http://127.0.0.1:${port}/readyz`,
        i === 0 ? 'normalizer' : `normalizer-${i + 1}`,
      ),
    ),
    spec(
      'session-runner',
      { ...common, RUNNER_PORT: String(runnerPort), RUNNER_MAX_SESSIONS: String(settings.runnerMaxSessions) },
      `http://127.0.0.1:${runnerPort}/readyz`,
    ),
    spec(
      'gateway',
      { ...common, DATABASE_URL: settings.databaseUrl, PORT: String(gatewayPort), LAP_MASTER_KEY: masterKey },
      `http://127.0.0.1:${gatewayPort}/readyz`,
    ),
  ];
  const started: ServiceProcess[] = [];
  const stop = async () => {
    for (const service of [...started].reverse()) await service.stop();
  };
  try {
    for (const service of services) {
      started.push(service);
      await service.start();
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
    emulatorUrl: `http://127.0.0.1:${emulatorPort}`,
    masterKey,
    services,
    service: (app) => {
      const found = services.find((service) => service.name === app);
      if (!found) throw new Error(`no service ${app}`);
      return found;
    },
    stop,
  };
}

/** The node flags and environment that make a service write its profile at exit. */
function profiling(
  profile: BenchStackSettings['profile'],
  name: string,
): { nodeFlags: string[]; env?: Record<string, string> } {
  if (!profile) return { nodeFlags: [] };
  const dir = path.join(profile.dir, name);
  if (profile.kind === 'cpu') return { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`] };
  return {
    nodeFlags: ['--require', path.join(__dirname, 'allocation-sampler.js')],
    env: { LAP_ALLOCATION_PROFILE_DIR: dir },
  };
}
