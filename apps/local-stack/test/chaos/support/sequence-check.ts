/** How an observed sequence differs from the expected one. */
export interface SequenceDiff {
  expected: number;
  observed: number;
  /** Expected items that never showed up. */
  lost: number;
  /** Items seen more often than expected. */
  duplicated: number;
  /** Items present as often as expected but not in the expected place. */
  outOfOrder: number;
}

/** Compares two sequences of comparable items (canonical event JSON, SSE ids, …). */
export function compareSequences(expected: readonly string[], observed: readonly string[]): SequenceDiff {
  const counts = new Map<string, number>();
  for (const item of expected) counts.set(item, (counts.get(item) ?? 0) + 1);
  for (const item of observed) counts.set(item, (counts.get(item) ?? 0) - 1);
  let lost = 0;
  let duplicated = 0;
  for (const balance of counts.values()) {
    if (balance > 0) lost += balance;
    else duplicated -= balance;
  }
  // Items of the observed sequence that stand for an expected one; those off the longest in-order run moved.
  const matched = expected.length - lost;
  const outOfOrder = Math.max(0, matched - longestCommonSubsequence(expected, observed));
  return { expected: expected.length, observed: observed.length, lost, duplicated, outOfOrder };
}

export function isClean(diff: SequenceDiff): boolean {
  return diff.lost === 0 && diff.duplicated === 0 && diff.outOfOrder === 0;
}

function longestCommonSubsequence(a: readonly string[], b: readonly string[]): number {
  let previous = new Array<number>(b.length + 1).fill(0);
  for (const item of a) {
    const current = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) {
      current[j] = item === b[j - 1] ? previous[j - 1] + 1 : Math.max(previous[j], current[j - 1]);
    }
    previous = current;
  }
  return previous[b.length];
}
