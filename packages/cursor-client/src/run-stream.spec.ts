import { PassThrough } from 'stream';
import { StreamStalledError } from './errors';
import { IdleWatch, RunFrameStream, translateStreamFailure } from './run-stream';

const frameText = (n: number) => `id: 1-${n}\nevent: assistant\ndata: {"n":${n}}\n\n`;
const settle = () => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A stream over a body the test writes by hand, as a socket would deliver it. */
function openStream({ readAhead = 64, idleTimeoutMs = 0 } = {}) {
  const body = new PassThrough();
  const connection = new AbortController();
  // As the HTTP client does with the connection's signal: aborting it destroys the body.
  connection.signal.addEventListener('abort', () => body.destroy(connection.signal.reason as Error));
  const watch = new IdleWatch(connection, idleTimeoutMs);
  let hangUps = 0;
  const stream = new RunFrameStream(body, {
    watch,
    readAhead,
    describeFailure: (error) => translateStreamFailure(error, watch, undefined, 'GET stream'),
    hangUp: () => {
      hangUps += 1;
      connection.abort();
    },
  });
  return { body, stream, hangUps: () => hangUps };
}

const numbers = (frames: Array<{ data: unknown }>) => frames.map((frame) => (frame.data as { n: number }).n);

describe('RunFrameStream', () => {
  it('hands a frame over at once to a waiting caller, and what gathered while it was busy', async () => {
    const { body, stream } = openStream();
    const first = stream.take();
    body.write(frameText(1));
    expect(numbers(await first)).toEqual([1]);
    // The caller is busy (recording frame 1) while 2, 3 and 4 arrive, split across chunks.
    body.write(frameText(2) + frameText(3).slice(0, 10));
    await settle();
    body.write(frameText(3).slice(10) + frameText(4));
    await settle();
    expect(numbers(await stream.take())).toEqual([2, 3, 4]);
    body.end();
    expect(await stream.take()).toEqual([]);
  });

  it('pauses reading at its read-ahead until the caller takes, and is not stalled meanwhile', async () => {
    const { body, stream } = openStream({ readAhead: 2, idleTimeoutMs: 30 });
    body.write(frameText(1) + frameText(2));
    await settle();
    expect(body.isPaused()).toBe(true);
    body.write(frameText(3));
    // Longer than the idle timeout: the server is not silent, the caller is busy.
    await sleep(80);
    expect(numbers(await stream.take())).toEqual([1, 2]);
    expect(body.isPaused()).toBe(false);
    await settle();
    expect(numbers(await stream.take())).toEqual([3]);
    // Now the server is silent while the caller waits.
    await expect(stream.take()).rejects.toBeInstanceOf(StreamStalledError);
  });

  it('watches for silence again once the caller takes what paused the reading', async () => {
    const { body, stream } = openStream({ readAhead: 2, idleTimeoutMs: 30 });
    body.write(frameText(1) + frameText(2));
    await settle();
    expect(numbers(await stream.take())).toEqual([1, 2]);
    // Nothing more comes: the server is silent now.
    await expect(stream.take()).rejects.toBeInstanceOf(StreamStalledError);
  });

  it('throws the failure of the body once the frames read before it are taken, and hangs up once', async () => {
    const { body, stream, hangUps } = openStream();
    body.write(frameText(1));
    await settle();
    body.destroy(new Error('socket hang up'));
    await settle();
    expect(numbers(await stream.take())).toEqual([1]);
    await expect(stream.take()).rejects.toThrow(/socket hang up/);
    stream.close();
    expect(hangUps()).toBe(1);
  });

  it('drops a message cut off by the end, and ends a waiting take with nothing when closed', async () => {
    const { body, stream } = openStream();
    body.end(frameText(1) + 'id: 1-2\nevent: assistant\n');
    expect(numbers(await stream.take())).toEqual([1]);
    expect(await stream.take()).toEqual([]);

    const other = openStream();
    const waiting = other.stream.take();
    other.stream.close();
    expect(await waiting).toEqual([]);
    expect(other.body.destroyed).toBe(true);
  });
});
