import { loadConfig } from '@lap/config';
import { startLocalStack, type RunningStack } from './local-stack';
import { stackConfigSchema } from './stack-config';

const log = (line: string) => process.stdout.write(`local-stack     | ${line}\n`);

async function main(): Promise<void> {
  const config = loadConfig(stackConfigSchema);
  const startedAt = Date.now();
  let stopping = false;
  let signalled = false;
  // Set once every service is up: a service that exits before then fails the start on its own.
  const running: { stack?: RunningStack } = {};
  const shutdown = async (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    log('stopping…');
    await running.stack?.stop();
    process.exit(exitCode);
  };
  // Listening from the start: a signal while the services start (the default would kill the launcher
  // alone and leave them running) stops them once they are up.
  const onSignal = () => {
    signalled = true;
    if (running.stack) void shutdown(0);
    else log('stopping once every service has started…');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const stack = await startLocalStack(config, log, (name, code) => {
    if (stopping || !running.stack) return;
    log(`${name} exited unexpectedly (code ${code}); stopping everything`);
    void shutdown(1);
  });
  running.stack = stack;
  if (signalled) return shutdown(0);
  // The local default is no secret; a key the operator chose is shown only by its end.
  const masterKey =
    config.LAP_MASTER_KEY === 'sk-local'
      ? 'sk-local (the local default; set LAP_MASTER_KEY to change it)'
      : `…${config.LAP_MASTER_KEY.slice(-4)} (from LAP_MASTER_KEY)`;
  process.stdout.write(
    [
      '',
      `  Cursor agent gateway is up (ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s)`,
      `  Gateway:         ${stack.gatewayUrl}`,
      `  Master key:      ${masterKey}`,
      `  Cursor emulator: ${stack.emulatorUrl}   (use it as api_base to run sessions offline)`,
      '  Press Ctrl-C to stop.',
      '',
    ].join('\n') + '\n',
  );
}

main().catch((error: Error) => {
  process.stderr.write(`local-stack: ${error.message}\n`);
  process.exit(error.name === 'ConfigError' ? 78 : 1);
});
