/**
 * docker-compose.yml, checked without a Docker engine: every service's environment against its app's
 * config schema, healthchecks against the ports the apps really listen on, and the start order.
 */
import {
  buildArg,
  durationSeconds,
  interpolate,
  loadComposeFile,
  loadEnvExample,
  referencedVariables,
  runnableApps,
  serviceEnvironment,
  type ComposeService,
} from '../src';
import { ALL_INTERFACES, APP_CONFIGS, SAMPLE_SECRETS, type Env } from './app-configs';

const { data: compose } = loadComposeFile();
const services = compose.services;
const envExample = loadEnvExample();

/** The app each service is built as (services built from the root Dockerfile). */
const appServices = Object.entries(services)
  .filter(([, service]) => service.build !== undefined)
  .map(([name, service]) => ({ name, service, app: buildArg(service, 'APP') ?? '' }));

/** The values an operator's .env would hold: every required variable filled with a plausible value. */
const operatorEnv: Env = Object.fromEntries(
  referencedVariables(compose)
    .filter((ref) => ref.required)
    .map((ref) => [ref.name, SAMPLE_SECRETS[ref.name]]),
);

/** The environment a service's container gets, after Compose's variable substitution. */
function interpolatedEnv(service: ComposeService, variables: Env = operatorEnv): Env {
  return Object.fromEntries(
    Object.entries(serviceEnvironment(service)).map(([name, raw]) => [
      name,
      raw === null ? (variables[name] ?? '') : interpolate(raw, variables),
    ]),
  );
}

function healthcheckTest(service: ComposeService): string {
  const test = service.healthcheck?.test;
  return Array.isArray(test) ? test.join(' ') : (test ?? '');
}

/** `http://127.0.0.1:4000/readyz` in a healthcheck command → { port, path }. */
function healthcheckUrl(service: ComposeService): { port: number; path: string } | undefined {
  const match = /https?:\/\/(?:127\.0\.0\.1|localhost|\[::1\]):(\d+)(\/[^'"\s)]*)/.exec(
    healthcheckTest(service),
  );
  return match ? { port: Number(match[1]), path: match[2] } : undefined;
}

function dependsOn(service: ComposeService): Record<string, { condition?: string }> {
  const deps = service.depends_on ?? {};
  return Array.isArray(deps) ? Object.fromEntries(deps.map((name) => [name, {}])) : deps;
}

/** The container side of each `ports:` entry. */
function containerPorts(service: ComposeService): number[] {
  return (service.ports ?? []).map((entry) => {
    if (typeof entry === 'object') return Number(entry.target);
    const container = String(entry).split(':').at(-1)!.split('/')[0];
    return Number(container);
  });
}

describe('docker-compose.yml', () => {
  it('uses the Compose specification (no obsolete version key)', () => {
    expect(compose).not.toHaveProperty('version');
  });

  it('builds every runnable app except the dev launcher, and nothing else', () => {
    const deployable = runnableApps().filter((app) => app !== 'local-stack');
    expect(appServices.map((s) => s.app).sort()).toEqual(deployable);
    expect(Object.keys(APP_CONFIGS).sort()).toEqual(deployable);
  });

  describe.each(appServices)('$name', ({ service, app }) => {
    const config = APP_CONFIGS[app];
    const raw = serviceEnvironment(service);
    const env = interpolatedEnv(service);

    it('is built from the root Dockerfile with APP naming an app with a src/main.ts', () => {
      expect(service.build).toEqual({ context: '.', args: { APP: app } });
      expect(runnableApps()).toContain(app);
      if (service.image !== undefined) expect(service.image).toBe(`lap/${app}:latest`);
    });

    it('sets only variables its config schema reads', () => {
      const unknown = Object.keys(raw).filter((variable) => !config.reads(variable));
      expect(unknown).toEqual([]);
      // Every variable has to be visible here to be checked.
      expect(service.env_file).toBeUndefined();
    });

    it('sets every variable its config schema requires', () => {
      const missing = config.required.filter((variable) => !env[variable]);
      expect(missing).toEqual([]);
    });

    it('passes its config schema once the .env values are substituted', () => {
      expect(() => config.load(env)).not.toThrow();
    });

    it('refuses to start when a required .env value is missing', () => {
      // `${VAR:?…}` makes Compose stop with a message instead of starting a misconfigured service.
      for (const variable of referencedVariables(service).filter((ref) => ref.required)) {
        const without: Env = { ...operatorEnv, [variable.name]: '' };
        expect(() => interpolatedEnv(service, without)).toThrow(variable.name);
      }
    });

    it('runs in production mode with JSON logs (platform services)', () => {
      if (!config.reads('NODE_ENV')) return; // the emulator has no such settings
      expect(env.NODE_ENV).toBe('production');
      expect(env.LOG_FORMAT).toBe('json');
    });

    it('listens on every interface, so port mappings and healthchecks reach it', () => {
      const { host } = config.load(env);
      // undefined: the app has no HOST setting and always binds every interface.
      if (host !== undefined) expect(ALL_INTERFACES).toContain(host);
    });

    it('has a healthcheck calling its readiness route on the port it listens on', () => {
      const { port } = config.load(env);
      expect(healthcheckUrl(service)).toEqual({ port, path: config.readyPath });
      expect(service.healthcheck?.test?.[0]).toBe('CMD');
    });

    it('publishes only the port it listens on', () => {
      const { port } = config.load(env);
      for (const target of containerPorts(service)) expect(target).toBe(port);
    });

    it('waits for healthy dependencies, and for NATS / PostgreSQL when it uses them', () => {
      const deps = dependsOn(service);
      for (const [dependency, { condition }] of Object.entries(deps)) {
        expect(services[dependency]).toBeDefined();
        expect(services[dependency].healthcheck?.test).toBeDefined();
        expect(condition).toBe('service_healthy');
      }
      if (env.NATS_URL) {
        const host = new URL(env.NATS_URL).hostname;
        expect(services[host]).toBeDefined();
        expect(deps[host]).toBeDefined();
      }
      if (env.DATABASE_URL) {
        const host = new URL(env.DATABASE_URL).hostname;
        expect(services[host]).toBeDefined();
        expect(deps[host]).toBeDefined();
      }
    });

    it('takes its secrets from required variables, never from literals', () => {
      for (const secret of ['LAP_MASTER_KEY', 'CREDENTIALS_ENCRYPTION_KEYS', 'DATABASE_URL']) {
        if (raw[secret] === undefined || raw[secret] === null) continue;
        expect(referencedVariables(raw[secret]).some((ref) => ref.required)).toBe(true);
      }
    });
  });

  it('puts only the emulator behind a profile', () => {
    for (const { name, service, app } of appServices) {
      if (app === 'cursor-emulator') expect(service.profiles).toEqual(['emulator']);
      else expect({ name, profiles: service.profiles }).toEqual({ name, profiles: undefined });
    }
  });

  it('runs several session runners, stopped gracefully enough to hand sessions back', () => {
    const runner = appServices.find((s) => s.app === 'session-runner')!.service;
    expect(runner.deploy?.replicas).toBeGreaterThanOrEqual(2);
    expect(durationSeconds(runner.stop_grace_period ?? '10s')).toBeGreaterThanOrEqual(30);
    // Replicas cannot share a fixed container name or host port.
    expect(runner.container_name).toBeUndefined();
    expect(runner.ports ?? []).toEqual([]);
  });

  it('connects every service to the same NATS and database', () => {
    const urls = (variable: string) =>
      new Set(appServices.map(({ service }) => interpolatedEnv(service)[variable]).filter(Boolean));
    expect(urls('NATS_URL')).toEqual(new Set(['nats://nats:4222']));
    expect(urls('DATABASE_URL').size).toBe(1);
  });

  describe('nats', () => {
    const nats = services.nats;
    const args = Array.isArray(nats.command) ? nats.command : String(nats.command).split(/\s+/);

    it('runs JetStream (2.9 or 2.10) with its store on a named volume', () => {
      expect(nats.image).toMatch(/^nats:2\.(9|10)([.-]|$)/);
      expect(args).toContain('-js');
      const storeDir = args[args.indexOf('-sd') + 1];
      expect(storeDir).toBeDefined();
      const mount = (nats.volumes ?? []).map(String).find((v) => v.endsWith(`:${storeDir}`));
      expect(mount).toBeDefined();
      expect(compose.volumes).toHaveProperty(mount!.split(':')[0]);
    });

    it('is healthy only when JetStream is, checked on its monitoring port', () => {
      const monitorPort = args[args.indexOf('-m') + 1];
      expect(args).toContain('-m');
      const test = healthcheckTest(nats);
      expect(test).toContain(`:${monitorPort}/healthz?js-enabled-only=true`);
    });
  });

  describe('postgres', () => {
    const postgres = services.postgres;
    const env = interpolatedEnv(postgres);

    it('is PostgreSQL 15 on a named volume with a pg_isready healthcheck', () => {
      expect(postgres.image).toMatch(/^postgres:15([.-]|$)/);
      const mount = (postgres.volumes ?? []).map(String).find((v) => v.endsWith(':/var/lib/postgresql/data'));
      expect(compose.volumes).toHaveProperty(mount!.split(':')[0]);
      expect(healthcheckTest(postgres)).toContain('pg_isready');
    });

    it('creates the user, password and database the services connect with', () => {
      for (const { service } of appServices) {
        const url = interpolatedEnv(service).DATABASE_URL;
        if (!url) continue;
        const parsed = new URL(url);
        expect(parsed.username).toBe(env.POSTGRES_USER);
        expect(decodeURIComponent(parsed.password)).toBe(env.POSTGRES_PASSWORD);
        expect(parsed.pathname).toBe(`/${env.POSTGRES_DB}`);
        expect(parsed.port).toBe('5432');
      }
    });
  });

  describe('.env.example', () => {
    const required = referencedVariables(compose)
      .filter((ref) => ref.required)
      .map((ref) => ref.name);

    it('lists exactly the variables Compose requires, with a sample value for each in these tests', () => {
      const listed = Object.keys(envExample.variables);
      expect(listed.sort()).toEqual([...required].sort());
      for (const variable of required) expect(SAMPLE_SECRETS[variable]).toBeDefined();
    });

    it('holds no secret, only instructions to generate one', () => {
      for (const variable of required) {
        expect({ variable, value: envExample.variables[variable] }).toEqual({ variable, value: '' });
        expect({ variable, help: envExample.help[variable] }).toEqual({
          variable,
          help: expect.stringMatching(/openssl rand/),
        });
      }
    });
  });
});
