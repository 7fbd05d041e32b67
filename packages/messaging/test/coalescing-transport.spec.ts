import { Socket } from 'net';
import { TEST_NATS_URL } from '@lap/testing';
import { NatsClient } from '@lap/messaging';

describe('NatsClient writes (real NATS)', () => {
  let publisher: NatsClient;
  let subscriber: NatsClient;

  beforeEach(async () => {
    publisher = await NatsClient.connect({ url: TEST_NATS_URL, name: 'coalescing-spec-publisher' });
    subscriber = await NatsClient.connect({ url: TEST_NATS_URL, name: 'coalescing-spec-subscriber' });
  });
  afterEach(async () => {
    await publisher.close();
    await subscriber.close();
  });

  const receive = async (subject: string, count: number) => {
    const subscription = subscriber.connection.subscribe(subject, { max: count });
    await subscriber.connection.flush();
    return async () => {
      const received: string[] = [];
      for await (const message of subscription) received.push(message.string());
      return received;
    };
  };

  it('sends what is published during one turn of the event loop in one socket write, in order', async () => {
    const subject = `coalescing.${process.pid}.${Date.now()}`;
    const received = await receive(subject, 20);
    const write = jest.spyOn(Socket.prototype, 'write');
    try {
      await new Promise<void>((resolve) =>
        setImmediate(async () => {
          // Separated by awaits, as a service publishes and acks while handling one message: the client
          // library flushes after each microtask run, and each flush used to be a write of its own.
          for (let i = 0; i < 20; i++) {
            publisher.connection.publish(subject, `message ${i}`);
            await Promise.resolve();
          }
          resolve();
        }),
      );
      await publisher.connection.flush();
      // The 20 messages (and the flush's PING) in one write; the subscriber may write a PONG meanwhile.
      expect(write.mock.calls.length).toBeLessThanOrEqual(2);
    } finally {
      write.mockRestore();
    }
    expect(await received()).toEqual(Array.from({ length: 20 }, (_, i) => `message ${i}`));
  });

  it('writes what waits when the connection is dropped and dialled again', async () => {
    const subject = `coalescing.${process.pid}.${Date.now()}.reconnect`;
    const received = await receive(subject, 5);
    for (let i = 0; i < 5; i++) publisher.connection.publish(subject, `before ${i}`);
    await publisher.connection.reconnect();
    expect(await received()).toEqual(Array.from({ length: 5 }, (_, i) => `before ${i}`));
  });

  it('writes what was published before the client closes', async () => {
    const subject = `coalescing.${process.pid}.${Date.now()}.close`;
    const received = await receive(subject, 3);
    for (let i = 0; i < 3; i++) publisher.connection.publish(subject, `last ${i}`);
    await publisher.close();
    expect(await received()).toEqual(['last 0', 'last 1', 'last 2']);
  });
});
