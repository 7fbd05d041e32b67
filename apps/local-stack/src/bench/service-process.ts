import { spawn, type ChildProcess } from 'child_process';
import { createWriteStream } from 'fs';
import path from 'path';
import { pollUntil, withTimeout } from './bounded';

export const REPO_ROOT = path.resolve(__dirname, '../../../..');

export interface ServiceProcessSpec {
  /** Folder under apps/ whose built dist/main.js is the service. */
  app: string;
  /** How the bench names this process (replicas of one app differ); the app name by default. */
  name?: string;
  env: Record<string, string>;
  /** Answers 200 once the service is ready. */
  readyUrl: string;
  /** Where the service's stdout and stderr go (the bench's own output stays one table). */
  logFile: string;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
}

/**
 * One built platform service as its own process, like the launcher's ChildService, but with its pid
 * exposed (the bench reads its CPU time and memory from /proc) and its output kept in a log file.
 */
export class ServiceProcess {
  private child?: ChildProcess;
  private exited?: Promise<void>;

  constructor(readonly spec: ServiceProcessSpec) {}

  get name(): string {
    return this.spec.name ?? this.spec.app;
  }

  get pid(): number {
    if (!this.child?.pid) throw new Error(`${this.name} is not running`);
    return this.child.pid;
  }

  async start(readyTimeoutMs = 60_000): Promise<void> {
    const entry = path.join(REPO_ROOT, 'apps', this.spec.app, 'dist', 'main.js');
    const log = createWriteStream(this.spec.logFile, { flags: 'a' });
    const child = spawn(process.execPath, [...(this.spec.nodeFlags ?? []), entry], {
      env: { ...process.env, ...this.spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    this.exited = new Promise((resolve) =>
      child.once('exit', () => {
        log.end();
        resolve();
      }),
    );
    await pollUntil(
      `${this.name} to answer ${this.spec.readyUrl}`,
      async () => {
        if (child.exitCode !== null) {
          throw new Error(`${this.name} exited with code ${child.exitCode}; see ${this.spec.logFile}`);
        }
        return fetch(this.spec.readyUrl)
          .then((response) => response.ok)
          .catch(() => false);
      },
      { timeoutMs: readyTimeoutMs, intervalMs: 50 },
    );
  }

  /** SIGTERM (the service closes gracefully and, profiled, writes its CPU profile), then SIGKILL. */
  async stop(graceMs = 15_000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    try {
      await withTimeout(`${this.name} to exit`, this.exited!, graceMs);
    } catch {
      child.kill('SIGKILL');
      await this.exited;
    }
  }
}
