import { spawn, type ChildProcess } from 'child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import os from 'os';
import path from 'path';
import readline from 'readline';
import { NatsClient } from '@lap/messaging';

/**
 * Where the server's output goes: nowhere (the last lines are still kept for error messages), the
 * parent's own stdout/stderr, appended to a file (kept across restarts), or line by line to a callback.
 */
export type NatsServerOutput = 'ignore' | 'inherit' | { file: string } | ((line: string) => void);

export interface NatsServerOptions {
  /** Client port on 127.0.0.1; 0 (the default) lets the server pick a free one, kept across restarts. */
  port?: number;
  /** JetStream store folder (created if missing, kept). Omitted: a fresh temporary one, deleted by `destroy()`. */
  storeDir?: string;
  /** Server name (`-n`); also names the temporary store folder. */
  name?: string;
  output?: NatsServerOutput;
  /** How long `start()` waits for JetStream to answer before it gives up (and stops the server). */
  readyTimeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before it sends SIGKILL. */
  stopTimeoutMs?: number;
  /** The executable; `nats-server` from the PATH by default. */
  command?: string;
  /** Serves the HTTP monitoring endpoints (`/varz` …) on a free port: see `monitoringUrl`. */
  monitoring?: boolean;
}

export class NatsServerNotFoundError extends Error {
  constructor(command: string) {
    super(
      `${command} is not on the PATH: install it (apt-get install nats-server, brew install nats-server, ` +
        'or a release binary from the NATS project)',
    );
    this.name = 'NatsServerNotFoundError';
  }
}

/** Servers still running when this process exits are killed, whatever ended it. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

const KEPT_LINES = 20;

/**
 * Go threads (GOMAXPROCS) for a server that shares its host with the services it serves: half the cores
 * it may use, at least one. Go's default, one per core, has a message wake threads on several cores, which
 * a virtual machine charges dearly. On 2 cores, one thread instead of two cut the server's CPU per event
 * by about a fifth at 1,000 events/s and raised the events/s at saturation by about a sixth (the ninth
 * round's interleaved runs: the README of commit f98d2b6). A GOMAXPROCS in the environment wins when it
 * is a whole number from 1.
 */
export function natsServerGoMaxProcs(cores = usableCores(), env = process.env): string {
  const given = env.GOMAXPROCS?.trim();
  if (given && /^[1-9]\d*$/.test(given)) return given;
  return String(Math.max(1, Math.floor(cores / 2)));
}

type ReadText = (file: string) => string;
const readText: ReadText = (file) => readFileSync(file, 'utf8');

/** The cores this process may use: the host's, or fewer under a cgroup CPU quota (a container's limit). */
export function usableCores(read: ReadText = readText, hostCores = os.availableParallelism()): number {
  const quota = cgroupCpuQuota(read);
  return quota === null ? hostCores : Math.max(1, Math.min(hostCores, Math.ceil(quota)));
}

/** CPUs' worth of time per period the cgroup allows (v2 `cpu.max`, else v1), or null without a quota. */
function cgroupCpuQuota(read: ReadText): number | null {
  const ratio = (quota: number, period: number) => (quota > 0 && period > 0 ? quota / period : null);
  try {
    const [quota, period] = read('/sys/fs/cgroup/cpu.max').trim().split(/\s+/);
    return quota === 'max' ? null : ratio(Number(quota), Number(period));
  } catch {
    // Not cgroup v2: try v1.
  }
  try {
    return ratio(
      Number(read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us')),
      Number(read('/sys/fs/cgroup/cpu/cpu.cfs_period_us')),
    );
  } catch {
    return null;
  }
}

/**
 * A `nats-server -js` child process on 127.0.0.1 with its own JetStream store. `start()` returns once
 * JetStream answers; it can be stopped (SIGTERM, then SIGKILL), killed (-9) and started again on the
 * same port with the same store, so the data survives restarts.
 */
export class NatsServerProcess {
  readonly storeDir: string;
  private readonly temporaryStore: boolean;
  private port: number;
  private monitoringPort = 0;
  private child?: ChildProcess;
  private exited: Promise<void> = Promise.resolve();
  private spawnError?: Error;
  private readonly recent: string[] = [];
  private starts = 0;
  private destroyed = false;

  constructor(private readonly options: NatsServerOptions = {}) {
    this.port = options.port ?? 0;
    this.temporaryStore = !options.storeDir;
    this.storeDir = options.storeDir ?? mkdtempSync(path.join(os.tmpdir(), `lap-${options.name ?? 'nats'}-`));
  }

  /** The client URL; known once the server has started (its port is chosen then when it was 0). */
  get url(): string {
    if (!this.port) throw new Error('nats-server has not started yet: its port is not known');
    return `nats://127.0.0.1:${this.port}`;
  }

  /** The HTTP monitoring URL, when started with `monitoring`. */
  get monitoringUrl(): string {
    if (!this.monitoringPort) throw new Error('nats-server was not started with monitoring');
    return `http://127.0.0.1:${this.monitoringPort}`;
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return !!this.child?.pid && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Spawns the server and waits until JetStream answers; on failure the server is stopped again. */
  async start(): Promise<void> {
    if (this.destroyed) throw new Error('nats-server was destroyed');
    if (this.running) throw new Error(`nats-server is already running on ${this.url}`);
    mkdirSync(this.storeDir, { recursive: true });
    this.spawn();
    const timeoutMs = this.options.readyTimeoutMs ?? 20_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) {
        await this.exited;
        throw this.startFailure();
      }
      // The ports file appears once the server listens: only then is the port surely its own to probe.
      const ports = this.portsFromPortsFile();
      if (ports) {
        this.port = ports.client;
        this.monitoringPort = ports.monitoring;
        const exited = this.exited.then(() => false);
        if (await Promise.race([hasJetStream(this.url), exited])) return;
      }
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(
          `nats-server ${this.where()} did not answer with JetStream within ${timeoutMs / 1000} s` +
            `${this.lastWords()}; it was stopped`,
        );
      }
      await Promise.race([this.exited, new Promise((resolve) => setTimeout(resolve, 100))]);
    }
  }

  /** SIGTERM, then SIGKILL if the server has not exited within `stopTimeoutMs`. The store is kept. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), this.options.stopTimeoutMs ?? 10_000);
    });
    try {
      if (await Promise.race([this.exited.then(() => false), timedOut])) await this.kill();
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills the server (SIGKILL: no goodbye to clients, nothing flushed beyond what the OS holds). */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGKILL');
    await this.exited;
  }

  /**
   * Takes the server down (kill -9 by default, else a graceful stop), waits `downMs`, and starts it
   * again on the same port with the same store.
   */
  async restart(downMs = 0, signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
    await (signal === 'SIGKILL' ? this.kill() : this.stop());
    if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.start();
  }

  /** Stops the server for good and deletes its store if it was a temporary one. */
  async destroy(): Promise<void> {
    this.destroyed = true;
    await this.stop();
    if (this.temporaryStore) rmSync(this.storeDir, { recursive: true, force: true });
  }

  private spawn(): void {
    const output = this.options.output ?? 'ignore';
    const file = typeof output === 'object' ? createWriteStream(output.file, { flags: 'a' }) : undefined;
    file?.write(`----- start ${++this.starts} at ${new Date().toISOString()}\n`);
    // Port -1: the server picks a free one. Either way it writes the port it listens on to a ports file.
    const args = ['-js', '-a', '127.0.0.1', '-p', String(this.port || -1), '-sd', this.storeDir];
    args.push('--ports_file_dir', this.storeDir);
    if (this.options.name) args.push('-n', this.options.name);
    if (this.options.monitoring) args.push('-m', '-1');
    const child = spawn(this.options.command ?? 'nats-server', args, {
      env: { ...process.env, GOMAXPROCS: natsServerGoMaxProcs() },
      stdio: ['ignore', output === 'inherit' ? 'inherit' : 'pipe', output === 'inherit' ? 'inherit' : 'pipe'],
    });
    this.child = child;
    this.spawnError = undefined;
    this.recent.length = 0;
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      readline.createInterface({ input: stream }).on('line', (line) => {
        this.recent.push(line);
        if (this.recent.length > KEPT_LINES) this.recent.shift();
        if (typeof output === 'function') output(line);
        file?.write(`${line}\n`);
      });
    }
    child.once('close', (code, signal) => {
      file?.end(`----- exited (code ${code}, signal ${signal}) at ${new Date().toISOString()}\n`);
    });
    this.exited = new Promise((resolve) => {
      child.on('error', (error) => {
        // The process never started (no such executable, not executable): there is no 'exit' to wait for.
        // Otherwise a signal could not be sent, and 'exit' tells the rest.
        if (child.pid !== undefined) return;
        this.spawnError = error;
        resolve();
      });
      child.once('exit', () => {
        running.delete(child);
        // Left behind only when the server did not shut down gracefully (kill -9).
        this.removePortsFile(child.pid!);
        resolve();
      });
    });
    if (child.pid !== undefined) running.add(child);
  }

  private startFailure(): Error {
    const error = this.spawnError as NodeJS.ErrnoException | undefined;
    if (error?.code === 'ENOENT') return new NatsServerNotFoundError(this.options.command ?? 'nats-server');
    if (error) return new Error(`nats-server could not be started: ${error.message}`);
    const { exitCode, signalCode } = this.child!;
    const how = signalCode ? `was killed (${signalCode})` : `exited with code ${exitCode}`;
    return new Error(`nats-server ${this.where()} ${how} while starting${this.lastWords()}`);
  }

  /** Where the server runs, for error messages. */
  private where(): string {
    return `(127.0.0.1:${this.port || 'any free port'}, store ${this.storeDir})`;
  }

  /** The server's own last error (or last line), and where its full output is. */
  private lastWords(): string {
    const error = [...this.recent].reverse().find((line) => /\[(ERR|FTL)\]/.test(line));
    const last = error ?? this.recent[this.recent.length - 1];
    // Without the server's own "[pid] date time " prefix.
    const words = last?.replace(/^\[\d+\] \S+ \S+ /, '').trim();
    const output = this.options.output;
    return (words ? `: ${words}` : '') + (typeof output === 'object' ? ` (its log: ${output.file})` : '');
  }

  private portsFiles(pid: number): string[] {
    try {
      return readdirSync(this.storeDir)
        .filter((name) => name.endsWith(`_${pid}.ports`))
        .map((name) => path.join(this.storeDir, name));
    } catch {
      return [];
    }
  }

  /** The ports the server listens on, from the ports file it writes once it does; undefined until then. */
  private portsFromPortsFile(): { client: number; monitoring: number } | undefined {
    const portOf = (urls?: string[]) => Number(new URL(urls?.[0] ?? 'http://x').port);
    for (const file of this.portsFiles(this.child!.pid!)) {
      try {
        const ports = JSON.parse(readFileSync(file, 'utf8')) as { nats?: string[]; monitoring?: string[] };
        const client = portOf(ports.nats);
        if (client > 0) return { client, monitoring: portOf(ports.monitoring) };
      } catch {
        // Not completely written yet: read again on the next poll.
      }
    }
    return undefined;
  }

  private removePortsFile(pid: number): void {
    for (const file of this.portsFiles(pid)) rmSync(file, { force: true });
  }
}

/**
 * True when a NATS server answers at `url` with JetStream enabled. Something else listening there (that
 * never sends NATS's greeting) counts as no after `timeoutMs`, not after the client's 20 s default.
 */
export async function hasJetStream(url: string, { timeoutMs = 2_000 } = {}): Promise<boolean> {
  const client = await NatsClient.connect({
    url,
    name: 'local-stack-probe',
    connectTimeoutMs: timeoutMs,
  }).catch(() => undefined);
  if (!client) return false;
  try {
    await client.jsm.getAccountInfo();
    return true;
  } catch {
    return false;
  } finally {
    await client.close();
  }
}
