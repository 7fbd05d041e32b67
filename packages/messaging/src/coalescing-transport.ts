import { setImmediate } from 'timers';
import type { Transport } from '@nats-io/nats-core/internal';
import { NodeTransport } from '@nats-io/transport-node/lib/node_transport';

/** Past this much waiting, frames are written at once: a large burst is not held (and copied) whole. */
const MAX_WAITING_BYTES = 64 * 1024;

/**
 * The Node transport, writing what the client sends during one turn of the event loop as one socket
 * write. The client flushes its buffer at the end of every microtask run, so a process that acks,
 * publishes or pulls as each message arrives made one write (a syscall, and a wake-up of the server)
 * per message. Frames keep their order; closing or dropping the connection (`close`, `disconnect`:
 * a forced reconnect, a stale heartbeat) writes what waits first, as the stock transport would have.
 */
export function coalescingTransport(): Transport {
  const transport = new NodeTransport();
  const sendNow = transport.send.bind(transport);
  const closeNow = transport.close.bind(transport);
  const disconnectNow = transport.disconnect.bind(transport);
  let waiting: Uint8Array[] = [];
  let waitingBytes = 0;
  /** Once closing, frames go straight out, as the client's last flush races the socket's end. */
  let closing = false;
  const flush = () => {
    if (waiting.length === 0) return;
    const frames = waiting;
    waiting = [];
    waitingBytes = 0;
    sendNow(frames.length === 1 ? frames[0] : Buffer.concat(frames));
  };
  transport.send = (frame: Uint8Array) => {
    waiting.push(frame);
    waitingBytes += frame.byteLength;
    if (closing || waitingBytes >= MAX_WAITING_BYTES) flush();
    else if (waiting.length === 1) setImmediate(flush);
  };
  transport.close = (error?: Error) => {
    closing = true;
    flush();
    return closeNow(error);
  };
  transport.disconnect = () => {
    closing = true;
    flush();
    disconnectNow();
  };
  return transport;
}
