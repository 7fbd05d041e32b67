import { parseFaultSpec, type RequestFaultSpec } from './fault-spec';
import { RequestFaultBudget } from './request-fault-budget';

describe('RequestFaultBudget', () => {
  it('owes each fault for its count, in the order they were added', () => {
    const budget = new RequestFaultBudget();
    budget.add(parseFaultSpec('rate_limit=1,retry_after=7') as RequestFaultSpec);
    budget.add(parseFaultSpec('http_5xx=2') as RequestFaultSpec);
    const first = budget.take()!;
    expect(first).toMatchObject({ status: 429, code: 'rate_limit_exceeded' });
    expect(first.headers['Retry-After']).toBe('7');
    expect(budget.describe()).toEqual([{ kind: 'http_5xx', remaining: 2 }]);
    expect(budget.take()).toMatchObject({ status: 503, code: 'internal_error' });
    expect(budget.take()).toMatchObject({ status: 503 });
    expect(budget.take()).toBeUndefined();
  });
});
