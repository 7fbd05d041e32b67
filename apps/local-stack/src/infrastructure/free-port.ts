import { readFileSync } from 'fs';
import net from 'net';

/** The lowest port handed out: clear of the well-known and registered ports most services use. */
const LOWEST_PORT = 10_000;

/** Ports this process has handed out: never twice, though the first may not be bound yet. */
const handedOut = new Set<number>();

/**
 * A TCP port on the loopback interface that nothing listens on right now, for a service started next.
 * It is taken below the kernel's ephemeral range: a port from that range (what `listen(0)` gives) can
 * become the source port of any outgoing connection on the machine before the service binds it, and
 * the service then fails with EADDRINUSE, on every restart while that connection lasts.
 */
export async function freePort(): Promise<number> {
  const highest = ephemeralRangeStart() - 1;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOWEST_PORT + Math.floor(Math.random() * (highest - LOWEST_PORT + 1));
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`found no free TCP port between ${LOWEST_PORT} and ${highest} on 127.0.0.1`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Where Linux starts picking source ports. 32768 (its default) when that cannot be read (not Linux)
 * or leaves no room below it (a range widened to start near 1024: then no port is clear of it).
 */
function ephemeralRangeStart(): number {
  try {
    const [start] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const port = Number(start);
    if (Number.isInteger(port) && port > LOWEST_PORT + 1_000) return port;
  } catch {
    // Not Linux: see above.
  }
  return 32_768;
}
