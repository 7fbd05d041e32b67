import { spawnSync } from 'child_process';
import { readProcessUsage, readRunQueueSeconds } from './process-usage';

describe('reading a process from /proc', () => {
  it("reads a live process's CPU, memory and its threads' wait for a core", () => {
    const usage = readProcessUsage(process.pid);
    expect(usage?.cpuSeconds).toBeGreaterThan(0);
    expect(usage?.rssBytes).toBeGreaterThan(1_000_000);
    const waited = readRunQueueSeconds(process.pid);
    expect(typeof waited).toBe('number');
    expect(waited).toBeGreaterThanOrEqual(0);
  });

  it('gives null for a process that is gone', () => {
    const { pid } = spawnSync(process.execPath, ['-e', '0']);
    expect(readProcessUsage(pid)).toBeNull();
    expect(readRunQueueSeconds(pid)).toBeNull();
  });
});
