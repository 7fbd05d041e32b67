import { sleep } from './bounded';

/**
 * Calls `send(i)` for i = 0…count-1 at `ratePerSecond`, catching up in bursts when a timer fires late
 * (timers have millisecond granularity), and stops at `maxMs` whatever happened. Returns how many were
 * sent and over how long.
 */
export async function pacedLoop(
  ratePerSecond: number,
  count: number,
  maxMs: number,
  send: (index: number) => void,
): Promise<{ sent: number; elapsedMs: number }> {
  const start = performance.now();
  let sent = 0;
  while (sent < count) {
    const elapsed = performance.now() - start;
    if (elapsed > maxMs) break;
    const due = Math.min(count, Math.floor((elapsed / 1000) * ratePerSecond) + 1);
    while (sent < due) send(sent++);
    await sleep(1);
  }
  return { sent, elapsedMs: performance.now() - start };
}
