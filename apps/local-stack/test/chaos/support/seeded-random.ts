/** A small deterministic generator (mulberry32): the same seed gives the same fault plan. */
export class SeededRandom {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** In [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }
}

/** The seed from CHAOS_SEED, or a fresh one (printed by the suite, so a failing run can be replayed). */
export function chaosSeed(fallback?: number): number {
  const given = process.env.CHAOS_SEED;
  if (given !== undefined && given !== '') return Number.parseInt(given, 10) >>> 0;
  return fallback ?? Math.floor(Math.random() * 2 ** 31);
}
