import type { z } from 'zod';

/**
 * Turns zod issues into one message a person can act on, one clause per bad field:
 * `name: expected a string, got nothing; environment.ref: expected a string, got a number`.
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[], input: unknown): string {
  return issues.map((issue) => `${fieldName(issue.path)}: ${describeIssue(issue, input)}`).join('; ');
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${withArticle(issue.expected)}, got ${describeValue(valueAt(input, issue.path))}`;
    case 'invalid_value':
      // zod's own wording starts with "Invalid"; a schema's custom message is kept as written.
      return issue.message.startsWith('Invalid')
        ? `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`
        : issue.message;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    default:
      return issue.message;
  }
}

function fieldName(path: readonly PropertyKey[]): string {
  return path.length === 0 ? 'body' : path.map(String).join('.');
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return withArticle(typeof value);
}

function withArticle(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
