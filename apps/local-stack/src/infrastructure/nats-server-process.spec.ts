import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'net';
import os from 'os';
import path from 'path';
import { NatsClient } from '@lap/messaging';
import { isProcessAlive } from '@lap/testing';
import { readNatsServerGoMaxProcs, readNatsTraffic } from '../bench/nats-traffic';
import {
  hasJetStream,
  natsServerGoMaxProcs,
  NatsServerNotFoundError,
  NatsServerProcess,
  usableCores,
} from './nats-server-process';

async function storedMessages(url: string, stream: string): Promise<number> {
  const client = await NatsClient.connect({ url, name: 'nats-server-process-spec' });
  try {
    return (await client.jsm.streams.info(stream)).state.messages;
  } finally {
    await client.close();
  }
}

describe('NatsServerProcess (a real nats-server)', () => {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'lap-nats-server-process-spec-'));
  const logFile = path.join(workDir, 'nats-server.log');
  const server = new NatsServerProcess({ name: 'spec', output: { file: logFile }, readyTimeoutMs: 20_000 });
  const pids: number[] = [];

  afterAll(async () => {
    await server.destroy();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('starts on a free port with JetStream answering', async () => {
    await server.start();
    pids.push(server.pid!);
    expect(server.running).toBe(true);
    expect(server.url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url).not.toBe('nats://127.0.0.1:4222');
    expect(await hasJetStream(server.url)).toBe(true);
    await expect(server.start()).rejects.toThrow(/already running/);
  });

  it('keeps the port and a stream’s data across a kill -9 and a graceful restart', async () => {
    const url = server.url;
    const client = await NatsClient.connect({ url, name: 'nats-server-process-spec' });
    try {
      await client.jsm.streams.add({ name: 'SPEC', subjects: ['spec.>'] });
      for (let i = 0; i < 5; i++) await client.js.publish(`spec.${i}`, `message ${i}`);
    } finally {
      await client.close();
    }

    await server.restart(200);
    pids.push(server.pid!);
    expect(isProcessAlive(pids[0])).toBe(false);
    expect(server.url).toBe(url);
    expect(await storedMessages(url, 'SPEC')).toBe(5);

    await server.restart(0, 'SIGTERM');
    pids.push(server.pid!);
    expect(isProcessAlive(pids[1])).toBe(false);
    expect(server.url).toBe(url);
    expect(await storedMessages(url, 'SPEC')).toBe(5);
    expect(new Set(pids).size).toBe(3);

    const log = readFileSync(logFile, 'utf8');
    expect(log.match(/^----- start \d+ at /gm)).toHaveLength(3);
    expect(log).toContain('Server is ready');
  });

  it('stops (no process left), and destroy deletes a temporary store', async () => {
    await server.stop();
    expect(server.running).toBe(false);
    expect(pids.some(isProcessAlive)).toBe(false);
    expect(await hasJetStream(server.url)).toBe(false);

    const temporary = new NatsServerProcess();
    await temporary.start();
    const pid = temporary.pid!;
    expect(existsSync(temporary.storeDir)).toBe(true);
    await temporary.destroy();
    expect(isProcessAlive(pid)).toBe(false);
    expect(existsSync(temporary.storeDir)).toBe(false);
    await expect(temporary.start()).rejects.toThrow(/destroyed/);
  });

  it('serves its traffic counters on a monitoring port when asked, and only then', async () => {
    const monitored = new NatsServerProcess({ name: 'spec-monitored', monitoring: true });
    try {
      await monitored.start();
      expect(() => server.monitoringUrl).toThrow(/not started with monitoring/);
      expect(monitored.monitoringUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const before = await readNatsTraffic(monitored.monitoringUrl);
      const client = await NatsClient.connect({ url: monitored.url, name: 'nats-server-process-spec' });
      try {
        for (let i = 0; i < 10; i++) client.connection.publish('spec.counted', new Uint8Array(100));
        await client.connection.flush();
      } finally {
        await client.close();
      }
      const after = await readNatsTraffic(monitored.monitoringUrl);
      // The 10 publishes, and what connecting costs (the JetStream API info request).
      expect(after.inMsgs - before.inMsgs).toBeGreaterThanOrEqual(10);
      expect(after.inMsgs - before.inMsgs).toBeLessThan(15);
      expect(after.inBytes - before.inBytes).toBeGreaterThanOrEqual(1_000);
    } finally {
      await monitored.destroy();
    }
  });

  it('runs Go on half the usable cores, at least one, unless GOMAXPROCS says otherwise', async () => {
    expect([1, 2, 3, 4, 16].map((cores) => natsServerGoMaxProcs(cores, {}))).toEqual([
      '1',
      '1',
      '1',
      '2',
      '8',
    ]);
    expect(natsServerGoMaxProcs(16, { GOMAXPROCS: ' 3 ' })).toBe('3');
    // Go would ignore these and take every core: the computed count stands instead.
    for (const invalid of ['', '0', '-2', 'abc', '1.5']) {
      expect(natsServerGoMaxProcs(16, { GOMAXPROCS: invalid })).toBe('8');
    }

    const expected = Math.max(1, Math.floor(usableCores() / 2));
    const given = process.env.GOMAXPROCS;
    const servers: NatsServerProcess[] = [];
    try {
      delete process.env.GOMAXPROCS;
      servers.push(new NatsServerProcess({ name: 'spec-threads', monitoring: true }));
      await servers[0].start();
      expect(await readNatsServerGoMaxProcs(servers[0].monitoringUrl)).toBe(expected);

      process.env.GOMAXPROCS = String(expected + 1);
      servers.push(new NatsServerProcess({ name: 'spec-threads-given', monitoring: true }));
      await servers[1].start();
      expect(await readNatsServerGoMaxProcs(servers[1].monitoringUrl)).toBe(expected + 1);
    } finally {
      if (given === undefined) delete process.env.GOMAXPROCS;
      else process.env.GOMAXPROCS = given;
      await Promise.all(servers.map((server) => server.destroy()));
    }
  });

  it("counts the cores a container's CPU quota allows, not the host's", () => {
    const files = (entries: Record<string, string>) => (file: string) => {
      if (!(file in entries)) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
      return entries[file];
    };
    expect(usableCores(files({ '/sys/fs/cgroup/cpu.max': '200000 100000\n' }), 16)).toBe(2);
    expect(usableCores(files({ '/sys/fs/cgroup/cpu.max': '150000 100000\n' }), 16)).toBe(2);
    expect(usableCores(files({ '/sys/fs/cgroup/cpu.max': '50000 100000\n' }), 16)).toBe(1);
    expect(usableCores(files({ '/sys/fs/cgroup/cpu.max': 'max 100000\n' }), 16)).toBe(16);
    expect(usableCores(files({ '/sys/fs/cgroup/cpu.max': '6400000 100000\n' }), 16)).toBe(16);
    const v1 = {
      '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '400000\n',
      '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n',
    };
    expect(usableCores(files(v1), 16)).toBe(4);
    expect(usableCores(files({ ...v1, '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1\n' }), 16)).toBe(16);
    expect(usableCores(files({}), 16)).toBe(16);
  });

  it('names the cause when the port is taken', async () => {
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', () => resolve()));
    const { port } = squatter.address() as AddressInfo;
    const blocked = new NatsServerProcess({ port });
    try {
      await expect(blocked.start()).rejects.toThrow(
        new RegExp(`127\\.0\\.0\\.1:${port}.*exited with code 1 while starting: .*address already in use`),
      );
      expect(blocked.running).toBe(false);
    } finally {
      await blocked.destroy();
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('does not take a silent listener on the port for NATS', async () => {
    const accepted: Socket[] = [];
    const silent: Server = createServer((socket) => accepted.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    const { port } = silent.address() as AddressInfo;
    try {
      expect(await hasJetStream(`nats://127.0.0.1:${port}`, { timeoutMs: 300 })).toBe(false);
    } finally {
      for (const socket of accepted) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 10_000);

  it('gives up after the ready timeout, killing a server that ignores SIGTERM', async () => {
    // Stands in for a server that never listens and will not stop on SIGTERM.
    const stuck = path.join(workDir, 'stuck-nats-server');
    writeFileSync(stuck, "#!/bin/sh\ntrap '' TERM\nexec sleep 60\n");
    chmodSync(stuck, 0o755);
    const server = new NatsServerProcess({ command: stuck, readyTimeoutMs: 500, stopTimeoutMs: 300 });
    try {
      await expect(server.start()).rejects.toThrow(
        /did not answer with JetStream within 0\.5 s; it was stopped/,
      );
      expect(server.running).toBe(false);
    } finally {
      await server.destroy();
    }
  });

  it('says so when the executable is missing', async () => {
    const missing = new NatsServerProcess({ command: 'no-such-nats-server' });
    try {
      await expect(missing.start()).rejects.toThrow(NatsServerNotFoundError);
    } finally {
      await missing.destroy();
    }
  });
});
