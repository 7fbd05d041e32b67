import path from 'path';
import { hasJetStream, NatsServerNotFoundError, NatsServerProcess } from './nats-server-process';

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
  const server = new NatsServerProcess({
    port,
    storeDir: path.join(dataDir, 'nats'),
    output: (line) => {
      if (/\[(ERR|FTL)\]/.test(line)) log(`nats-server: ${line.trim()}`);
    },
    readyTimeoutMs: 10_000,
  });
  try {
    await server.start();
  } catch (error) {
    if (error instanceof NatsServerNotFoundError) throw new NatsNotFoundError(port);
    throw new Error(
      `${(error as Error).message}\n` +
        `Free port ${port} or choose another one (LOCAL_NATS_PORT), or point the platform at a running ` +
        'server: NATS_URL=nats://host:4222 npm start',
    );
  }
  return { url, owned: true, stop: () => server.stop() };
}
