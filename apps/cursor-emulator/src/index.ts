import 'reflect-metadata';
import type { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppModule } from './app.module';
import { DEFAULT_EMULATOR_OPTIONS, type EmulatorOptions } from './emulator-options';
import { EmulatorStore } from './store/emulator-store';

export type { EmulatorOptions } from './emulator-options';
export { DEFAULT_EMULATOR_OPTIONS } from './emulator-options';
export type { EmulatorStats, RunStats } from './admin/admin.service';
export { EmulatorControl } from './admin/emulator-control';
export { SCENARIO_NAMES, startScenario } from './scenarios/scenario-scripts';
export type { ScenarioName, ScenarioStep } from './scenarios/scenario-scripts';

export interface EmulatorAppOptions extends Partial<EmulatorOptions> {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Nest's logger setting; errors and warnings only by default. */
  logger?: LoggerService | LogLevel[] | false;
}

export interface RunningEmulator {
  app: INestApplication;
  /** e.g. `http://127.0.0.1:40123`: the `apiBase` for a CursorClient. */
  url: string;
  /** Stops every run, ends every stream and closes the server. */
  close(): Promise<void>;
}

/** Starts a Cursor-compatible v1 server in this process. */
export async function createEmulatorApp(options: EmulatorAppOptions = {}): Promise<RunningEmulator> {
  const { port = 0, host = '127.0.0.1', logger = ['error', 'warn'], ...overrides } = options;
  const resolved: EmulatorOptions = { ...DEFAULT_EMULATOR_OPTIONS, ...overrides };
  const app = await NestFactory.create(AppModule.register(resolved), { logger });
  await app.listen(port, host);
  const server = app.getHttpServer() as Server;
  const { port: boundPort } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
  let closing: Promise<void> | undefined;
  return {
    app,
    url,
    close: () => {
      closing ??= (async () => {
        // Live streams would otherwise keep server.close() waiting forever.
        app.get(EmulatorStore).clear();
        const closed = app.close();
        server.closeAllConnections();
        await closed;
      })();
      return closing;
    },
  };
}
