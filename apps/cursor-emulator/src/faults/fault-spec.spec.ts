import { FaultSpecError, isStreamFault, parseFaultSpec } from './fault-spec';

describe('parseFaultSpec', () => {
  it('reads each kind with its defaults and parameters', () => {
    expect(parseFaultSpec('drop_after=3')).toEqual({ kind: 'drop_after', frames: 3, times: 1 });
    expect(parseFaultSpec(' reset_after=0 , times=2 ')).toEqual({ kind: 'reset_after', frames: 0, times: 2 });
    expect(parseFaultSpec('unavailable_after=5')).toEqual({ kind: 'unavailable_after', frames: 5, times: 1 });
    expect(parseFaultSpec('stall_after=2,ms=500')).toEqual({
      kind: 'stall_after',
      frames: 2,
      ms: 500,
      times: 1,
    });
    expect(parseFaultSpec('done_after=2,times=3')).toEqual({ kind: 'done_after', frames: 2, times: 3 });
    expect(parseFaultSpec('no_result=1')).toEqual({ kind: 'no_result', enabled: true });
    expect(parseFaultSpec('slow=200,after=4')).toEqual({ kind: 'slow', ms: 200, after: 4, count: 5 });
    expect(parseFaultSpec('rate_limit=2')).toEqual({ kind: 'rate_limit', count: 2, retryAfterSeconds: 1 });
    expect(parseFaultSpec('http_5xx=3,status=500')).toEqual({ kind: 'http_5xx', count: 3, status: 500 });
  });

  it('says what is wrong with a bad spec', () => {
    expect(() => parseFaultSpec('explode=1')).toThrow(/unknown fault "explode"/);
    expect(() => parseFaultSpec('drop_after=3,ms=2')).toThrow(/unknown parameter "ms"/);
    expect(() => parseFaultSpec('drop_after=-1')).toThrow(FaultSpecError);
    expect(() => parseFaultSpec('http_5xx=1,status=404')).toThrow(/5xx/);
    expect(() => parseFaultSpec('')).toThrow(/empty/);
  });

  it('tells stream faults from request faults', () => {
    expect(isStreamFault(parseFaultSpec('slow=1'))).toBe(true);
    expect(isStreamFault(parseFaultSpec('no_result=1'))).toBe(true);
    expect(isStreamFault(parseFaultSpec('rate_limit=1'))).toBe(false);
  });
});
