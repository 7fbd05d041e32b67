import { loadEmulatorEnv } from './emulator-env';

describe('loadEmulatorEnv', () => {
  it('has the documented defaults', () => {
    expect(loadEmulatorEnv({})).toEqual({
      port: 4010,
      host: '127.0.0.1',
      options: expect.objectContaining({ frameIntervalMs: 50, streamRetentionMs: 345_600_000, faults: [] }),
    });
  });

  it('reads every setting, lists split on semicolons', () => {
    const env = loadEmulatorEnv({
      PORT: '5000',
      EMULATOR_FRAME_INTERVAL_MS: '5',
      EMULATOR_HEARTBEAT_INTERVAL_MS: '200',
      EMULATOR_STREAM_RETENTION_SECONDS: '0.5',
      EMULATOR_REJECTED_API_KEYS: 'a;b',
      EMULATOR_FAULTS: 'drop_after=3; http_5xx=2,status=500',
    });
    expect(env.port).toBe(5000);
    expect(env.options).toMatchObject({
      frameIntervalMs: 5,
      heartbeatIntervalMs: 200,
      streamRetentionMs: 500,
      rejectedApiKeys: ['a', 'b'],
      faults: ['drop_after=3', 'http_5xx=2,status=500'],
    });
  });

  it('names a bad variable', () => {
    expect(() => loadEmulatorEnv({ EMULATOR_FRAME_INTERVAL_MS: 'fast' })).toThrow(
      /EMULATOR_FRAME_INTERVAL_MS/,
    );
  });
});
