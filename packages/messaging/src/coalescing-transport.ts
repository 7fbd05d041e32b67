import { setImmediate } from 'timers';
import type { Transport } from '@nats-io/nats-core/internal';
import { NodeTransport } from '@nats-io/transport-node/lib/node_transport';

/**
 * The Node transport, writing what the client sends during one turn of the event loop as one socket
 * write. The client flushes its buffer at the end of every microtask run, so a process that acks,
 * publishes or pulls as each message arrives made one write (a syscall and its callback) per message.
 * Frames keep their order; closing writes what is waiting first.
 */
export function coalescingTransport(): Transport {
  const transport = new NodeTransport();
  const sendNow = transport.send.bind(transport);
  const closeNow = transport.close.bind(transport);
  let waiting: Uint8Array[] = [];
  const flush = () => {
    if (waiting.length === 0) return;
    const frames = waiting;
    waiting = [];
    sendNow(frames.length === 1 ? frames[0] : Buffer.concat(frames));
  };
  transport.send = (frame: Uint8Array) => {
    waiting.push(frame);
    if (waiting.length === 1) setImmediate(flush);
  };
  transport.close = (error?: Error) => {
    flush();
    return closeNow(error);
  };
  return transport;
}
