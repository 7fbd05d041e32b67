import { headers, MsgHdrsImpl } from '@nats-io/nats-core';
import { encodeText, usePooledTextEncoding } from './pooled-text-encoding';

describe('pooled text encoding', () => {
  const reference = new TextEncoder();

  it.each([
    ['empty', ''],
    ['ASCII', 'HPUB lap.events.sesn_1 _INBOX.x 12 40\r\n'],
    ['multi-byte', 'héllo → 世界 🚀'],
    ['a lone surrogate', 'broken \ud800 pair'],
  ])('writes the same bytes as TextEncoder (%s)', (_, text) => {
    expect(Array.from(encodeText(text))).toEqual(Array.from(reference.encode(text)));
  });

  it('is what nats.js encodes header blocks with once enabled', () => {
    usePooledTextEncoding();
    const block = headers();
    block.set('Lap-Event-Id', 'sevt_1');
    const encoded = (block as MsgHdrsImpl).encode();
    // A Buffer, not a bare Uint8Array: the client went through the pooled encoder.
    expect(Buffer.isBuffer(encoded)).toBe(true);
    expect(Buffer.from(encoded).toString('utf8')).toBe('NATS/1.0\r\nLap-Event-Id: sevt_1\r\n\r\n');
  });
});
