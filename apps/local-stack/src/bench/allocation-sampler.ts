/**
 * Preloaded (`node --require`) into a service the bench profiles with `--profile=allocations`: samples
 * where memory is allocated, including objects the garbage collector has already freed (what makes GC
 * work, unlike `--heap-prof`, which keeps only what is still alive), and writes the profile to
 * `$LAP_ALLOCATION_PROFILE_DIR/<pid>.heapprofile` when the process is stopped.
 */
import { mkdirSync, writeFileSync } from 'fs';
import { Session } from 'inspector';
import path from 'path';

const dir = process.env.LAP_ALLOCATION_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('HeapProfiler.startSampling', {
    samplingInterval: 16_384,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  let written = false;
  // A same-thread inspector session answers synchronously: safe in 'exit' and before a signal handler ends.
  const write = () => {
    if (written) return;
    written = true;
    session.post('HeapProfiler.stopSampling', (error, result) => {
      if (error) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, `${process.pid}.heapprofile`), JSON.stringify(result.profile));
    });
  };
  // The service's own SIGTERM handling (graceful shutdown) runs too; this only writes first.
  process.prependListener('SIGTERM', write);
  process.once('exit', write);
}
