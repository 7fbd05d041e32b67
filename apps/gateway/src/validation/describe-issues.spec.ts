import { z } from 'zod';
import { describeIssues } from './describe-issues';

describe('describeIssues', () => {
  const schema = z.object({
    name: z.string().min(1, 'must not be empty'),
    runtime: z.enum(['cursor']),
    environment: z.object({ ref: z.string() }).optional(),
  });

  const describe_ = (input: unknown) => {
    const parsed = schema.safeParse(input);
    if (parsed.success) throw new Error('expected a failure');
    return describeIssues(parsed.error.issues, input);
  };

  it('names each bad field and what it expected', () => {
    expect(describe_({ runtime: 'x', environment: { ref: 3 } })).toBe(
      'name: expected a string, got nothing; runtime: expected one of "cursor"; environment.ref: expected a string, got a number',
    );
  });

  it('keeps the custom message of a refinement', () => {
    expect(describe_({ name: '', runtime: 'cursor' })).toBe('name: must not be empty');
  });

  it('describes a body that is not an object', () => {
    expect(describe_([1])).toBe('body: expected an object, got an array');
  });
});
