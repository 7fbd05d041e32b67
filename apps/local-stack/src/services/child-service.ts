import { spawn, type ChildProcess } from 'child_process';
import path from 'path';
import readline from 'readline';

export interface ServiceSpec {
  /** Folder under apps/ whose dist/main.js is the service. */
  app: string;
  env: Record<string, string>;
  /** Answers 200 once the service is ready. */
  readyUrl: string;
}

const REPO_ROOT = path.resolve(__dirname, '../../../..');

/** One platform service run as a child process, its output prefixed with its name. */
export class ChildService {
  private child?: ChildProcess;
  private exited?: Promise<number | null>;

  constructor(private readonly spec: ServiceSpec) {}

  get name(): string {
    return this.spec.app;
  }

  start(onExit: (code: number | null) => void): void {
    const entry = path.join(REPO_ROOT, 'apps', this.spec.app, 'dist', 'main.js');
    const child = spawn(process.execPath, ['--enable-source-maps', entry], {
      env: { ...process.env, ...this.spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const label = this.spec.app.padEnd(16);
    for (const stream of [child.stdout!, child.stderr!]) {
      readline
        .createInterface({ input: stream })
        .on('line', (line) => process.stdout.write(`${label}| ${line}\n`));
    }
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    void this.exited.then(onExit);
  }

  async waitUntilReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child?.exitCode !== null && this.child?.exitCode !== undefined) {
        throw new Error(`${this.name} exited with code ${this.child.exitCode} before it was ready`);
      }
      const ok = await fetch(this.spec.readyUrl)
        .then((response) => response.ok)
        .catch(() => false);
      if (ok) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${this.name} was not ready at ${this.spec.readyUrl} within ${timeoutMs} ms`);
  }

  /** SIGTERM, then SIGKILL if it has not exited within the grace period. */
  async stop(graceMs = 10_000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
