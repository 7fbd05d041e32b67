import { spawn, spawnSync, type ChildProcess } from 'child_process';
import { mkdirSync } from 'fs';
import path from 'path';
import { NatsClient } from '@lap/messaging';

export interface StartedNats {
  url: string;
  /** True when this launcher started the server (and so stops it). */
  owned: boolean;
  stop(): Promise<void>;
}

export class NatsNotFoundError extends Error {
  constructor(port: number) {
    super(
      [
        `No NATS server with JetStream answers at 127.0.0.1:${port}, and nats-server is not on the PATH.`,
        'Either:',
        '  - install it: apt-get install nats-server (Debian/Ubuntu), brew install nats-server (macOS),',
        '    or a release binary from the NATS project, then run npm start again; or',
        '  - point the platform at a running server: NATS_URL=nats://host:4222 npm start',
      ].join('\n'),
    );
    this.name = 'NatsNotFoundError';
  }
}

/** Uses the NATS already listening on the local port if it has JetStream; otherwise starts `nats-server -js`. */
export async function startLocalNats(
  dataDir: string,
  port: number,
  log: (line: string) => void,
): Promise<StartedNats> {
  const url = `nats://127.0.0.1:${port}`;
  if (await hasJetStream(url)) {
    log(`using the NATS server already running at ${url}`);
    return { url, owned: false, stop: async () => undefined };
  }
  if (spawnSync('nats-server', ['--version']).error) throw new NatsNotFoundError(port);
  const storeDir = path.join(dataDir, 'nats');
  mkdirSync(storeDir, { recursive: true });
  const child = spawn('nats-server', ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    if (/\[(ERR|FTL)\]/.test(text)) log(`nats-server: ${text.trim()}`);
  });
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with code ${child.exitCode}`);
    if (await hasJetStream(url)) return { url, owned: true, stop: () => stopChild(child) };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stopChild(child);
  throw new Error(`nats-server did not become ready on ${url}`);
}

/** True when a NATS server answers at `url` with JetStream enabled. */
export async function hasJetStream(url: string): Promise<boolean> {
  const client = await NatsClient.connect({ url, name: 'local-stack-probe' }).catch(() => undefined);
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

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
