import { spawn, type ChildProcess } from 'child_process';
import { createWriteStream, mkdirSync, rmSync, type WriteStream } from 'fs';
import readline from 'readline';
import { freePort } from './free-port';

const everyServer = new Set<ChildProcess>();
process.once('exit', () => {
  for (const server of everyServer) server.kill('SIGKILL');
});

/**
 * A nats-server with JetStream of the test's own (own port, own store folder), so a test can kill and
 * restart it without touching the machine's shared server. Restarts keep the port and the store.
 */
export class PrivateNatsServer {
  private child?: ChildProcess;
  private exit?: Promise<void>;
  private log?: WriteStream;
  private port = 0;
  restarts = 0;

  constructor(
    private readonly storeDir: string,
    private readonly logFile: string,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.port ||= await freePort();
    mkdirSync(this.storeDir, { recursive: true });
    this.log ??= createWriteStream(this.logFile, { flags: 'a' });
    const child = spawn(
      'nats-server',
      ['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', this.storeDir, '-n', `chaos-${this.port}`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    everyServer.add(child);
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`nats-server not ready within 20 s (${this.logFile})`)),
        20_000,
      );
      for (const stream of [child.stdout!, child.stderr!]) {
        readline.createInterface({ input: stream }).on('line', (line) => {
          this.log?.write(`${line}\n`);
          if (/Server is ready/.test(line)) {
            clearTimeout(timer);
            resolve();
          }
        });
      }
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`nats-server exited with code ${code} while starting (${this.logFile})`));
      });
    });
    this.exit = new Promise((resolve) =>
      child.once('exit', () => {
        everyServer.delete(child);
        resolve();
      }),
    );
    await ready;
  }

  /** Kills the server (SIGKILL: no goodbye to clients, nothing flushed beyond what the OS holds). */
  async kill(signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill(signal);
    await this.exit;
  }

  async restart(downMs: number, signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
    await this.kill(signal);
    await new Promise((resolve) => setTimeout(resolve, downMs));
    this.restarts++;
    await this.start();
  }

  /** Stops the server and deletes its store. */
  async destroy(): Promise<void> {
    await this.kill('SIGTERM');
    this.log?.end();
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}
