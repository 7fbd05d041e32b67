import { Logger } from '@nestjs/common';
import { runService } from '@lap/service-runtime';
import { createEmulatorApp } from './index';
import { loadEmulatorEnv } from './emulator-env';

runService('cursor-emulator', async () => {
  const { port, host, options } = loadEmulatorEnv();
  const emulator = await createEmulatorApp({ ...options, port, host, logger: ['log', 'error', 'warn'] });
  new Logger('CursorEmulator').log(
    `Cursor v1 emulator listening on ${emulator.url} (frame interval ${options.frameIntervalMs} ms)`,
  );
  return emulator;
});
