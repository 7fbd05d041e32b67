import { parseFaultSpec, type StreamFaultSpec } from './fault-spec';
import { StreamFaultPlan } from './stream-fault-plan';

const plan = (...specs: string[]) =>
  new StreamFaultPlan(specs.map((s) => parseFaultSpec(s) as StreamFaultSpec));

describe('StreamFaultPlan', () => {
  it('fires a connection fault at its frame count, as many times as allowed', () => {
    const faults = plan('drop_after=2,times=2');
    expect(faults.takeConnectionFault(1)).toBeUndefined();
    expect(faults.takeConnectionFault(2)).toEqual({ kind: 'drop_after' });
    expect(faults.takeConnectionFault(2)).toEqual({ kind: 'drop_after' });
    expect(faults.takeConnectionFault(2)).toBeUndefined();
  });

  it('adds slow delays only inside their frame window', () => {
    const faults = plan('slow=100,after=2,count=2', 'stall_after=1,ms=30');
    expect([0, 1, 2, 3, 4].map((i) => faults.extraDelayBefore(i))).toEqual([0, 0, 100, 100, 0]);
    expect(faults.takeConnectionFault(1)).toEqual({ kind: 'stall_after', ms: 30 });
    expect(plan().isEmpty).toBe(true);
  });

  it('fires done_after like the other connection faults; no_result only marks the run', () => {
    const faults = plan('done_after=3', 'no_result=1');
    expect(faults.omitsResult).toBe(true);
    expect(faults.isEmpty).toBe(false);
    expect(faults.takeConnectionFault(3)).toEqual({ kind: 'done_after' });
    expect(plan('no_result=0').omitsResult).toBe(false);
    expect(plan('no_result=1').isEmpty).toBe(true);
  });
});
