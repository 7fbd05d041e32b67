import { spawn, type ChildProcess } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import os from 'os';
import path from 'path';
import { NatsClient } from '@lap/messaging';
import { hasJetStream } from '../infrastructure/local-nats';
import { pollUntil, withTimeout } from './bounded';
import { freePort } from './free-port';

export interface PrivateNats {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * A nats-server with JetStream of the bench's own, on a free loopback port with its store in a
 * temporary folder: its CPU is the bench's alone, and nothing is left on the shared server.
 */
export async function startPrivateNats(): Promise<PrivateNats> {
  const port = await freePort();
  const storeDir = mkdtempSync(path.join(os.tmpdir(), 'lap-bench-nats-'));
  const child: ChildProcess = spawn(
    'nats-server',
    ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir],
    { stdio: ['ignore', 'ignore', 'ignore'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', () => undefined);
  const url = `nats://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await withTimeout('nats-server to exit', exited, 10_000).catch(async () => {
        child.kill('SIGKILL');
        await exited;
      });
    }
    rmSync(storeDir, { recursive: true, force: true });
  };
  try {
    await pollUntil(
      `nats-server on ${url}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`nats-server exited with code ${child.exitCode}`);
        return hasJetStream(url);
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, pid: child.pid!, stop };
}

/** Deletes every stream (and KV bucket) of one prefix on a server the bench shares with others. */
export async function deletePrefixedStreams(url: string, prefix: string): Promise<number> {
  const client = await NatsClient.connect({ url, name: 'bench-cleanup' });
  const upper = prefix.toUpperCase().replace(/-/g, '_');
  let deleted = 0;
  try {
    const names: string[] = [];
    for await (const stream of client.jsm.streams.list()) names.push(stream.config.name);
    for (const name of names) {
      if (name.startsWith(`${upper}_`) || name.startsWith(`KV_${upper}_`)) {
        await client.jsm.streams.delete(name).catch(() => undefined);
        deleted++;
      }
    }
  } finally {
    await client.close();
  }
  return deleted;
}
