import { MsgHdrsImpl } from '@nats-io/nats-core';
import { fromNatsHeaders, parseHeaderBlock, toNatsHeaders } from './nats-headers';

describe('NATS headers', () => {
  it('go over the wire and come back as the same record', () => {
    const record = {
      'Nats-Msg-Id': 'sesn_1:run-1:1700-1',
      'Nats-Expected-Last-Subject-Sequence': '0',
      'Lap-Session-Id': 'sesn_1',
      'Lap-Event-Type': 'agent.message',
      'Lap-Empty': '',
    };
    const wire = (toNatsHeaders(record) as MsgHdrsImpl).encode();
    expect(new TextDecoder().decode(wire)).toContain('\r\nLap-Event-Type: agent.message\r\n');
    expect(fromNatsHeaders(MsgHdrsImpl.decode(wire))).toEqual(record);
  });

  it('refuses a line break, which would end the header block early', () => {
    expect(() => toNatsHeaders({ 'Lap-Cursor-Run-Id': 'run\r\nNats-Msg-Id: forged' })).toThrow(/\\r or \\n/);
    expect(() => toNatsHeaders({ 'Bad\nKey': 'v' })).toThrow(/\\r or \\n/);
  });

  it('join several records, numbers written out and undefined values left out', () => {
    const wire = (
      toNatsHeaders(
        { 'Lap-Session-Id': 'sesn_1' },
        { 'Nats-Msg-Id': undefined, 'Nats-Expected-Last-Subject-Sequence': 42 },
      ) as MsgHdrsImpl
    ).encode();
    expect(new TextDecoder().decode(wire)).toBe(
      'NATS/1.0\r\nLap-Session-Id: sesn_1\r\nNats-Expected-Last-Subject-Sequence: 42\r\n\r\n',
    );
  });

  it('take a later record’s value over an earlier one’s, and refuse headers added afterwards', () => {
    const built = toNatsHeaders(
      { 'Nats-Msg-Id': 'from-headers', 'Lap-Kept': 'a' },
      { 'Nats-Msg-Id': 'from-option' },
    );
    expect(new TextDecoder().decode((built as MsgHdrsImpl).encode())).toBe(
      'NATS/1.0\r\nLap-Kept: a\r\nNats-Msg-Id: from-option\r\n\r\n',
    );
    // What `js.publish` does with its `msgID` option: it would be lost, so it fails.
    expect(() => built?.set('Nats-Msg-Id', 'late')).toThrow(/written once/);
  });

  it('has nothing to say about no headers', () => {
    expect(toNatsHeaders(undefined)).toBeUndefined();
    expect(toNatsHeaders({}, { 'Nats-Msg-Id': undefined })).toBeUndefined();
    expect(fromNatsHeaders(undefined)).toEqual({});
  });

  describe('parseHeaderBlock reads a header block as the client does', () => {
    const blocks: Record<string, string> = {
      'plain lines': 'NATS/1.0\r\nLap-Session-Id: sesn_1\r\nNats-Msg-Id: a:b:1\r\n\r\n',
      'a status line': 'NATS/1.0 409 Consumer Deleted\r\nNats-Pending-Messages: 3\r\n\r\n',
      'a repeated name (the first value wins)': 'NATS/1.0\r\nX-Twice: one\r\nX-Twice: two\r\n\r\n',
      'spaces and colons in a value': 'NATS/1.0\r\nLap-Note:   a: b  c \r\nLap-Empty:\r\n\r\n',
      'a line without a colon': 'NATS/1.0\r\nnot a header\r\nLap-Kept: yes\r\n\r\n',
      'no headers at all': 'NATS/1.0\r\n\r\n',
      'a block cut short': 'NATS/1.0\r\nLap-Last: v',
    };
    it.each(Object.entries(blocks))('%s', (_name, block) => {
      const expected = fromNatsHeaders(MsgHdrsImpl.decode(new TextEncoder().encode(block)));
      expect(parseHeaderBlock(block)).toEqual(expected);
    });

    it('keeps values as sent, UTF-8 included', () => {
      expect(parseHeaderBlock('NATS/1.0\r\nLap-Title: café ✓\r\n\r\n')).toEqual({ 'Lap-Title': 'café ✓' });
    });
  });
});
