import { spawn } from 'child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import os from 'os';
import path from 'path';
import { pollUntil, sleep, withTimeout } from './bounded';
import { freePort } from '../infrastructure/free-port';
import { deletePrefixedStreams } from './prefixed-streams';
import { REPO_ROOT } from './service-process';
import { median } from './statistics';

export interface StartupSettings {
  repeats: number;
  timeoutMs: number;
  /** The NATS `npm start` finds on its own (the README: an existing server on 127.0.0.1:4222). */
  natsUrl: string;
  prefix: string;
}

export interface StartupRun {
  kind: 'cold' | 'warm';
  /** `npm start` spawned → gateway /readyz answers 200 (includes the turbo build check). */
  readySeconds: number | null;
  /** What the launcher itself reports (its own start → every service ready; no build). */
  launcherSeconds: number | null;
}

export interface Startup {
  parameters: Omit<StartupSettings, 'prefix'>;
  runs: StartupRun[];
  coldMedianSeconds: number | null;
  warmMedianSeconds: number | null;
  skipped?: string;
}

/**
 * (5) The README's run command, `npm start`, timed to the gateway's /readyz: cold (a fresh data folder,
 * so embedded PostgreSQL runs initdb) and warm (the same folder again). Other ports and a NATS prefix
 * of its own keep it clear of anything else on the machine.
 */
export async function measureStartup(
  settings: StartupSettings,
  log: (line: string) => void,
): Promise<Startup> {
  const base = {
    parameters: { repeats: settings.repeats, timeoutMs: settings.timeoutMs, natsUrl: settings.natsUrl },
  };
  const runs: StartupRun[] = [];
  try {
    for (let i = 0; i < settings.repeats; i++) {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lap-bench-start-'));
      // Embedded PostgreSQL runs as the postgres user, which must reach its folder inside this one.
      chmodSync(dataDir, 0o755);
      try {
        for (const kind of ['cold', 'warm'] as const) {
          log(`start-up: npm start, ${kind} (${i + 1}/${settings.repeats})`);
          runs.push({ kind, ...(await timeOneStart(dataDir, settings)) });
        }
      } finally {
        stopLeftoverPostgres(dataDir);
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
  } finally {
    await deletePrefixedStreams(settings.natsUrl, settings.prefix).catch(() => undefined);
  }
  const seconds = (kind: string) =>
    runs.filter((run) => run.kind === kind && run.readySeconds !== null).map((run) => run.readySeconds!);
  return {
    ...base,
    runs,
    coldMedianSeconds: median(seconds('cold')),
    warmMedianSeconds: median(seconds('warm')),
  };
}

async function timeOneStart(dataDir: string, settings: StartupSettings): Promise<Omit<StartupRun, 'kind'>> {
  const ports = [];
  for (let i = 0; i < 6; i++) ports.push(await freePort());
  const [port, emulatorPort, postgresPort, credentialsPort, normalizerPort, runnerPort] = ports;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LAP_DATA_DIR: dataDir,
    PORT: String(port),
    EMULATOR_PORT: String(emulatorPort),
    EMBEDDED_POSTGRES_PORT: String(postgresPort),
    CREDENTIALS_PORT: String(credentialsPort),
    NORMALIZER_PORT: String(normalizerPort),
    RUNNER_PORT: String(runnerPort),
    LAP_PREFIX: settings.prefix,
  };
  delete env.DATABASE_URL;
  delete env.NATS_URL;
  const startedAt = performance.now();
  // Its own process group, so Ctrl-C can be sent to npm, the launcher and every service at once.
  const child = spawn('npm', ['start'], {
    cwd: REPO_ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let launcherSeconds: number | null = null;
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
    const match = /ready in ([\d.]+) s/.exec(output);
    if (match) launcherSeconds = Number(match[1]);
  });
  child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000)));
  let readySeconds: number | null = null;
  try {
    await pollUntil(
      `npm start to answer /readyz on port ${port}`,
      async () => {
        if (child.exitCode !== null)
          throw new Error(`npm start exited with code ${child.exitCode}: ${output.slice(-500)}`);
        return fetch(`http://127.0.0.1:${port}/readyz`)
          .then((response) => response.ok)
          .catch(() => false);
      },
      { timeoutMs: settings.timeoutMs, intervalMs: 50 },
    );
    readySeconds = (performance.now() - startedAt) / 1000;
    // The launcher prints its banner right after the gateway is ready.
    await pollUntil('the launcher banner', () => launcherSeconds !== null, {
      timeoutMs: 5_000,
      intervalMs: 20,
    }).catch(() => undefined);
  } finally {
    signalGroup(child.pid!, 'SIGINT');
    await withTimeout('npm start to stop', exited, 30_000).catch(async () => {
      signalGroup(child.pid!, 'SIGKILL');
      await exited;
    });
    // Services of the group that outlived the launcher (it exits once it stopped them).
    await sleep(500);
    signalGroup(child.pid!, 'SIGKILL');
  }
  return { readySeconds, launcherSeconds };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

/** If the launcher could not stop its embedded PostgreSQL, stop it by the pid in its own lock file. */
function stopLeftoverPostgres(dataDir: string): void {
  const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    // Only if that pid is still this folder's postmaster (a stale lock file may name a reused pid).
    if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dataDir)) return;
    process.kill(pid, 'SIGQUIT');
  } catch {
    // Not running.
  }
}
