import { SseParser, type SseMessage } from './sse-parser';

/** Feeds the text split at every given position and collects all messages. */
function parseInPieces(text: string, cuts: number[]): SseMessage[] {
  const parser = new SseParser();
  const messages: SseMessage[] = [];
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    messages.push(...parser.feed(text.slice(from, cut)));
    from = cut;
  }
  return messages;
}

const stream =
  'event: status\ndata: {"runId":"run-1","status":"RUNNING"}\n\n' +
  ': keep-alive comment\n\n' +
  'id: 1700000000000-1\nevent: assistant\ndata: {"text":"Hel"}\n\n' +
  'id: 1700000000001-2\nevent: thinking\ndata: line one\ndata: line two\n\n';

const expected: SseMessage[] = [
  { id: null, event: 'status', data: '{"runId":"run-1","status":"RUNNING"}' },
  { id: '1700000000000-1', event: 'assistant', data: '{"text":"Hel"}' },
  { id: '1700000000001-2', event: 'thinking', data: 'line one\nline two' },
];

describe('SseParser', () => {
  it('parses ids, events, multi-line data, and ignores comments', () => {
    expect(new SseParser().feed(stream)).toEqual(expected);
  });

  it('gives the same messages whatever the chunk boundaries', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      expect(parseInPieces(stream, [cut])).toEqual(expected);
    }
    expect(
      parseInPieces(
        stream,
        Array.from({ length: stream.length - 1 }, (_, i) => i + 1),
      ),
    ).toEqual(expected);
  });

  it('accepts CRLF and lone CR line ends, including a CRLF split across chunks', () => {
    const crlf = stream.replace(/\n/g, '\r\n');
    for (let cut = 1; cut < crlf.length; cut++) {
      expect(parseInPieces(crlf, [cut])).toEqual(expected);
    }
    expect(new SseParser().feed(stream.replace(/\n/g, '\r'))).toEqual(expected);
  });

  it('accepts every kind of line end mixed in one stream, whatever the chunk boundaries', () => {
    const ends = ['\n', '\r\n', '\r'];
    let line = 0;
    const mixed = stream.replace(/\n/g, () => ends[line++ % ends.length]);
    for (let cut = 1; cut < mixed.length; cut++) {
      expect(parseInPieces(mixed, [cut])).toEqual(expected);
    }
  });

  it('does not carry an id over to the next message, and defaults the event name', () => {
    expect(new SseParser().feed('id: 5-1\ndata: a\n\ndata: b\n\n')).toEqual([
      { id: '5-1', event: 'message', data: 'a' },
      { id: null, event: 'message', data: 'b' },
    ]);
  });

  it('strips one leading space only, a leading BOM, and handles fields without a colon', () => {
    expect(new SseParser().feed('\ufeffevent:x\ndata:  two spaces\ndata\n\n')).toEqual([
      { id: null, event: 'x', data: ' two spaces\n' },
    ]);
  });

  it('keeps an unterminated message until its blank line arrives, and drops blocks without data', () => {
    const parser = new SseParser();
    expect(parser.feed('id: 1-1\nevent: heartbeat\n\nevent: done\ndata: {}\n')).toEqual([]);
    expect(parser.feed('\n')).toEqual([{ id: null, event: 'done', data: '{}' }]);
  });
});
