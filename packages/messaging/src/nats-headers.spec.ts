import { MsgHdrsImpl } from '@nats-io/nats-core';
import { fromNatsHeaders, toNatsHeaders } from './nats-headers';

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

  it('has nothing to say about no headers', () => {
    expect(toNatsHeaders(undefined)).toBeUndefined();
    expect(fromNatsHeaders(undefined)).toEqual({});
  });
});
