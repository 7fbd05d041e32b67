import { randomBytes } from 'crypto';
import { mkdtempSync, rmSync } from 'fs';
import os from 'os';
import path from 'path';
import { natsNames, type NatsNames } from '@lap/contracts';
import { NatsClient } from '@lap/messaging';
import { createTestDatabase, TEST_POSTGRES_URL, type TestDatabase, DatabaseRelay } from '@lap/testing';
import { NatsServerProcess } from '../../../src/infrastructure/nats-server-process';
import { freePort } from '../../../src/infrastructure/free-port';
import { ServiceProcess } from './service-process';

export interface ChaosPlatformOptions {
  /** Names the temp folder and the database. */
  label: string;
  runners: number;
  normalizers: number;
  gateways: number;
  /** The failover time after a runner dies (RUNNER_ACK_WAIT_MS). */
  runnerAckWaitMs: number;
  normalizerAckWaitMs: number;
  /** Most sessions one runner executes at once (RUNNER_MAX_SESSIONS). */
  runnerMaxSessions?: number;
  /** Leaves every line services print on the console too (CHAOS_VERBOSE=1). */
  verbose?: boolean;
}

const PREFIX = 'chaos';

/**
 * The whole platform as real processes from the built dist (N runners, M normalizers, gateways, the
 * credentials service, the Cursor emulator) on a private nats-server, with PostgreSQL (a fresh database
 * on the shared server) reached through a relay a test can cut. `destroy()` removes all of it.
 */
export class ChaosPlatform {
  readonly masterKey = `sk-chaos-${randomBytes(12).toString('hex')}`;
  readonly names: NatsNames = natsNames(PREFIX);
  readonly runners: ServiceProcess[] = [];
  readonly normalizers: ServiceProcess[] = [];
  readonly gateways: ServiceProcess[] = [];
  emulator!: ServiceProcess;
  credentials!: ServiceProcess;
  /** The test's own connection to the private server, for reading the logs it checks. */
  client!: NatsClient;
  emulatorUrl = '';
  private gatewayUrls: string[] = [];
  private database?: TestDatabase;
  private destroyed = false;

  private constructor(
    readonly options: ChaosPlatformOptions,
    readonly workDir: string,
    readonly nats: NatsServerProcess,
    readonly databaseRelay: DatabaseRelay,
  ) {}

  static async start(options: ChaosPlatformOptions): Promise<ChaosPlatform> {
    const workDir = mkdtempSync(path.join(os.tmpdir(), `lap-${options.label}-`));
    const postgres = new URL(TEST_POSTGRES_URL);
    const platform = new ChaosPlatform(
      options,
      workDir,
      // Its own port and store, so a test can kill and restart it without touching the shared server.
      new NatsServerProcess({
        storeDir: path.join(workDir, 'nats-store'),
        name: 'chaos',
        output: { file: path.join(workDir, 'nats-server.log') },
        readyTimeoutMs: 20_000,
      }),
      new DatabaseRelay({ host: postgres.hostname, port: Number(postgres.port || 5432) }),
    );
    try {
      await platform.boot();
      return platform;
    } catch (error) {
      await platform.destroy({ keepLogs: true });
      throw error;
    }
  }

  gatewayUrl(index: number): string {
    return this.gatewayUrls[index % this.gatewayUrls.length];
  }

  /** Every service process, for the figures and for clean-up. */
  get services(): ServiceProcess[] {
    return [this.emulator, this.credentials, ...this.runners, ...this.normalizers, ...this.gateways].filter(
      Boolean,
    );
  }

  /**
   * Waits until every service that is up answers ready (after NATS or PostgreSQL came back). One that
   * dies meanwhile (a restart that failed against the outage) is left to whoever is restarting it.
   */
  async waitUntilReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all(this.services.map(async (s) => !s.running || (await s.isReady())));
      if (states.every(Boolean)) return;
      if (Date.now() > deadline) throw new Error(`services not ready again within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private async boot(): Promise<void> {
    await this.nats.start();
    await this.databaseRelay.restore();
    this.database = await createTestDatabase(this.options.label);
    const databaseUrl = this.databaseRelay.through(this.database.url);
    const common = {
      NATS_URL: this.nats.url,
      LAP_PREFIX: PREFIX,
      LOG_LEVEL: 'log',
      LOG_FORMAT: 'pretty',
    };

    const emulatorPort = await freePort();
    this.emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
    this.emulator = this.service('emulator', 'cursor-emulator', `${this.emulatorUrl}/__emulator/stats`, {
      PORT: String(emulatorPort),
      LOG_LEVEL: 'warn',
      // Runs are paced per prompt ([pace:N]); heartbeats stay out of short runs.
      EMULATOR_FRAME_INTERVAL_MS: '20',
    });
    const credentialsPort = await freePort();
    this.credentials = this.service(
      'credentials',
      'credentials',
      `http://127.0.0.1:${credentialsPort}/readyz`,
      {
        ...common,
        DATABASE_URL: databaseUrl,
        CREDENTIALS_PORT: String(credentialsPort),
        CREDENTIALS_ENCRYPTION_KEYS: `chaos:${randomBytes(32).toString('base64')}`,
      },
    );
    for (let i = 1; i <= this.options.normalizers; i++) {
      const port = await freePort();
      this.normalizers.push(
        this.service(`normalizer-${i}`, 'normalizer', `http://127.0.0.1:${port}/readyz`, {
          ...common,
          NORMALIZER_PORT: String(port),
          NORMALIZER_ACK_WAIT_MS: String(this.options.normalizerAckWaitMs),
          NORMALIZER_CONCURRENCY: '64',
        }),
      );
    }
    for (let i = 1; i <= this.options.runners; i++) {
      const port = await freePort();
      this.runners.push(
        this.service(`runner-${i}`, 'session-runner', `http://127.0.0.1:${port}/readyz`, {
          ...common,
          RUNNER_PORT: String(port),
          RUNNER_ACK_WAIT_MS: String(this.options.runnerAckWaitMs),
          RUNNER_MAX_SESSIONS: String(this.options.runnerMaxSessions ?? 500),
          CURSOR_RETRY_BASE_MS: '100',
          CURSOR_RETRY_MAX_DELAY_MS: '1000',
          CURSOR_STREAM_IDLE_MS: '15000',
        }),
      );
    }
    for (let i = 1; i <= this.options.gateways; i++) {
      const port = await freePort();
      this.gatewayUrls.push(`http://127.0.0.1:${port}`);
      this.gateways.push(
        this.service(`gateway-${i}`, 'gateway', `http://127.0.0.1:${port}/readyz`, {
          ...common,
          DATABASE_URL: databaseUrl,
          PORT: String(port),
          LAP_MASTER_KEY: this.masterKey,
        }),
      );
    }
    // The emulator and the credentials service first; the rest side by side.
    await Promise.all([this.emulator.start(), this.credentials.start()]);
    await Promise.all([...this.normalizers, ...this.runners, ...this.gateways].map((s) => s.start()));
    this.client = await NatsClient.connect({ url: this.nats.url, name: 'chaos-test' });
  }

  private service(name: string, app: string, readyUrl: string, env: Record<string, string>): ServiceProcess {
    return new ServiceProcess({ name, app, readyUrl, env, logFile: path.join(this.workDir, `${name}.log`) });
  }

  /**
   * Stops every process, the private nats-server (deleting its store), and drops the database. Logs
   * are kept when asked (a failed run), otherwise the whole work folder goes.
   */
  async destroy({ keepLogs = false } = {}): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    await Promise.allSettled(this.services.map((service) => service.stop()));
    await this.client?.close().catch(() => undefined);
    await this.databaseRelay.restore().catch(() => undefined);
    await this.nats.stop().catch(() => undefined);
    rmSync(this.nats.storeDir, { recursive: true, force: true });
    await this.databaseRelay.cut();
    await this.database?.drop().catch(() => undefined);
    if (keepLogs) process.stdout.write(`chaos: service logs kept in ${this.workDir}\n`);
    else rmSync(this.workDir, { recursive: true, force: true });
  }
}
