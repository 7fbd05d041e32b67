/**
 * The helpers the manifest checks rely on: if these were wrong, the checks could pass vacuously.
 */
import { durationSeconds, interpolate, referencedVariables, serviceEnvironment } from '../src';
import { APP_CONFIGS } from './app-configs';

describe('Compose helpers', () => {
  it('substitute variables the way Compose does', () => {
    const vars = { SET: 'value', EMPTY: '' };
    expect(interpolate('a-${SET}-$SET', vars)).toBe('a-value-value');
    expect(interpolate('${UNSET:-fallback}|${EMPTY:-fallback}|${EMPTY-kept}', vars)).toBe(
      'fallback|fallback|',
    );
    expect(interpolate('${SET:?needed}', vars)).toBe('value');
    expect(() => interpolate('${EMPTY:?set EMPTY}', vars)).toThrow('EMPTY');
    expect(() => interpolate('${UNSET?set it}', vars)).toThrow('UNSET');
    expect(interpolate('$${NOT_A_VAR}', vars)).toBe('${NOT_A_VAR}');
    expect(interpolate('${SET:+alt}|${UNSET:+alt}', vars)).toBe('alt|');
  });

  it('find referenced variables and which are required', () => {
    expect(referencedVariables({ a: ['${A:?x}', 'postgres://u:${B:-p}@h/${A}'], b: '$$C' })).toEqual([
      { name: 'A', required: true },
      { name: 'B', required: false },
    ]);
  });

  it('read both environment forms', () => {
    expect(serviceEnvironment({ environment: ['A=1', 'B', 'C=x=y'] })).toEqual({ A: '1', B: null, C: 'x=y' });
    expect(serviceEnvironment({ environment: { A: 1, B: null } })).toEqual({ A: '1', B: null });
  });

  it('parse durations', () => {
    expect(durationSeconds('30s')).toBe(30);
    expect(durationSeconds('1m30s')).toBe(90);
    expect(() => durationSeconds('thirty')).toThrow();
  });
});

describe('app configs', () => {
  it('know which variables each app reads and requires', () => {
    expect(APP_CONFIGS.gateway.reads('LAP_MASTER_KEY')).toBe(true);
    expect(APP_CONFIGS.gateway.reads('CREDENTIALS_ENCRYPTION_KEYS')).toBe(false);
    expect(APP_CONFIGS.credentials.required.sort()).toEqual(['CREDENTIALS_ENCRYPTION_KEYS', 'DATABASE_URL']);
    expect(APP_CONFIGS['session-runner'].required).toEqual([]);
  });

  it("learn the emulator's variables from its loader", () => {
    const emulator = APP_CONFIGS['cursor-emulator'];
    expect(emulator.reads('PORT')).toBe(true);
    expect(emulator.reads('HOST')).toBe(true);
    expect(emulator.reads('EMULATOR_FAULTS')).toBe(true);
    expect(emulator.reads('NATS_URL')).toBe(false);
    expect(emulator.reads('NOT_A_SETTING')).toBe(false);
  });
});
