import { spawn, type ChildProcess } from 'child_process';
import { createWriteStream, existsSync, type WriteStream } from 'fs';
import path from 'path';
import readline from 'readline';

const REPO_ROOT = path.resolve(__dirname, '../../../../..');
const KEPT_LINES = 5_000;

export interface ServiceProcessSpec {
  /** Unique in the fleet, e.g. `runner-2`. */
  name: string;
  /** Folder under apps/ whose built dist/main.js is the service. */
  app: string;
  env: Record<string, string>;
  /** Answers 2xx once the service is ready. */
  readyUrl: string;
  /** Every line the process prints is appended here. */
  logFile: string;
}

/** Processes still running when the test process exits are killed, whatever ended the test. */
const everyChild = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of everyChild) child.kill('SIGKILL');
});

/**
 * One built platform service run as a real child process, which a test can kill (-9), terminate
 * (SIGTERM), freeze (SIGSTOP / SIGCONT) and start again with the same environment and port.
 */
export class ServiceProcess {
  private child?: ChildProcess;
  private exit?: Promise<void>;
  private log?: WriteStream;
  private readonly recent: string[] = [];
  private readonly watchers = new Set<(line: string) => void>();
  /** Starts over the process's life (1 after the first start). */
  starts = 0;
  /** Stopped for good (see `stop`). */
  retired = false;
  /** How the previous run of the process ended. */
  lastExit?: { code: number | null; signal: NodeJS.Signals | null };

  constructor(readonly spec: ServiceProcessSpec) {}

  get name(): string {
    return this.spec.name;
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Spawns the process and waits until it answers its readiness URL. */
  async start(readyTimeoutMs = 90_000): Promise<void> {
    if (this.retired) throw new Error(`${this.name} was stopped for good`);
    if (this.running) throw new Error(`${this.name} is already running`);
    const entry = path.join(REPO_ROOT, 'apps', this.spec.app, 'dist', 'main.js');
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npx turbo run build\` first`);
    this.log ??= createWriteStream(this.spec.logFile, { flags: 'a' });
    this.log.write(`----- start ${++this.starts} at ${new Date().toISOString()}\n`);
    const child = spawn(process.execPath, ['--enable-source-maps', entry], {
      env: { ...process.env, NODE_ENV: 'test', ...this.spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    everyChild.add(child);
    for (const stream of [child.stdout!, child.stderr!]) {
      readline.createInterface({ input: stream }).on('line', (line) => this.onLine(line));
    }
    this.exit = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        everyChild.delete(child);
        this.lastExit = { code, signal };
        this.log?.write(`----- exited (code ${code}, signal ${signal}) at ${new Date().toISOString()}\n`);
        resolve();
      }),
    );
    await this.waitUntilReady(readyTimeoutMs);
  }

  /** Sends a signal; for SIGKILL and SIGTERM, resolves once the process is gone. */
  async signal(signal: 'SIGKILL' | 'SIGTERM' | 'SIGSTOP' | 'SIGCONT'): Promise<void> {
    if (!this.running) return;
    this.child!.kill(signal);
    if (signal === 'SIGKILL' || signal === 'SIGTERM') await this.exit;
  }

  /**
   * SIGTERM, then SIGKILL if it has not exited within the grace period (a frozen one is thawed first).
   * The process is never started again: a restart still scheduled by a fault is refused.
   */
  async stop(graceMs = 15_000): Promise<void> {
    this.retired = true;
    if (!this.running) return this.closeLog();
    const child = this.child!;
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exit;
    clearTimeout(timer);
    this.closeLog();
  }

  /** Lines printed so far (the newest few thousand) that match. */
  linesMatching(pattern: RegExp): string[] {
    return this.recent.filter((line) => pattern.test(line));
  }

  /** Resolves with the first line printed from now on that matches; rejects after the timeout. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const watcher = (line: string) => {
        if (!pattern.test(line)) return;
        clearTimeout(timer);
        this.watchers.delete(watcher);
        resolve(line);
      };
      const timer = setTimeout(() => {
        this.watchers.delete(watcher);
        reject(new Error(`${this.name} printed no line matching ${pattern} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.watchers.add(watcher);
    });
  }

  private onLine(line: string): void {
    this.log?.write(`${line}\n`);
    this.recent.push(line);
    if (this.recent.length > KEPT_LINES) this.recent.splice(0, this.recent.length - KEPT_LINES);
    for (const watcher of [...this.watchers]) watcher(line);
  }

  /** Whether it answers its readiness URL with 2xx right now (every dependency it checks is reachable). */
  isReady(): Promise<boolean> {
    return fetch(this.spec.readyUrl, { signal: AbortSignal.timeout(2_000) })
      .then((response) => response.ok)
      .catch(() => false);
  }

  private async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running)
        throw new Error(`${this.name} exited before it was ready (see ${this.spec.logFile})`);
      if (await this.isReady()) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${this.name} was not ready at ${this.spec.readyUrl} within ${timeoutMs} ms`);
  }

  private closeLog(): void {
    this.log?.end();
    this.log = undefined;
  }
}
