import { spawn, type ChildProcess } from 'child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import os from 'os';
import path from 'path';
import { createTestNats, isProcessAlive, waitFor, type TestNats } from '@lap/testing';
import { freePort } from '../src/infrastructure/free-port';

const LAUNCHER = path.resolve(__dirname, '../dist/main.js');

/** Every process below `pid` (services, embedded PostgreSQL and its workers), from /proc. */
function descendantsOf(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The parent pid is the 2nd field after the command name, which may itself hold spaces.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
    } catch {
      // Gone while we looked.
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const parent = queue.shift()!;
    for (const [child, ppid] of parents) {
      if (ppid === parent) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

describe('the launcher (npm start) with embedded PostgreSQL', () => {
  let nats: TestNats;
  let dataDir: string;
  const started: ChildProcess[] = [];

  beforeAll(async () => {
    nats = await createTestNats('launch');
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lap-launcher-test-'));
    // Embedded PostgreSQL runs as the postgres user, which must reach its folder inside this one.
    chmodSync(dataDir, 0o755);
  });
  afterAll(async () => {
    for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    await nats?.cleanup();
  });

  async function startLauncher(): Promise<{
    child: ChildProcess;
    gatewayPort: number;
    output: () => string;
  }> {
    const ports: number[] = [];
    for (let i = 0; i < 6; i++) ports.push(await freePort());
    const [gatewayPort, emulatorPort, postgresPort, credentialsPort, normalizerPort, runnerPort] = ports;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LAP_DATA_DIR: dataDir,
      NATS_URL: nats.url,
      LAP_PREFIX: nats.prefix,
      PORT: String(gatewayPort),
      EMULATOR_PORT: String(emulatorPort),
      EMBEDDED_POSTGRES_PORT: String(postgresPort),
      CREDENTIALS_PORT: String(credentialsPort),
      NORMALIZER_PORT: String(normalizerPort),
      RUNNER_PORT: String(runnerPort),
    };
    delete env.DATABASE_URL;
    let output = '';
    const child = spawn(process.execPath, [LAUNCHER], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(child);
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`the launcher exited early:\n${output}`);
        return fetch(`http://127.0.0.1:${gatewayPort}/readyz`)
          .then((response) => response.ok)
          .catch(() => false);
      },
      { timeoutMs: 90_000, intervalMs: 100, what: 'the gateway to answer /readyz' },
    );
    return { child, gatewayPort, output: () => output };
  }

  it.each(['SIGINT', 'SIGTERM'] as const)(
    'on %s to the launcher alone, stops every service and PostgreSQL before it exits',
    async (signal) => {
      const { child, gatewayPort, output } = await startLauncher();
      const processes = descendantsOf(child.pid!);
      // Five services and PostgreSQL (with its own workers).
      expect(processes.length).toBeGreaterThanOrEqual(6);

      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        child.kill(signal);
        expect(await exited).toBe(0);
        expect(output()).toContain('stopping…');
        expect(processes.filter(isProcessAlive)).toEqual([]);
        const answer = await fetch(`http://127.0.0.1:${gatewayPort}/readyz`).catch(() => 'refused');
        expect(answer).toBe('refused');
      } finally {
        // A failed run must not leave services behind for the next one.
        for (const pid of processes.filter(isProcessAlive)) process.kill(pid, 'SIGKILL');
      }
    },
    120_000,
  );
});
