/** A parked session taken out for a retry: its events and the pause it had waited. */
export interface DueSession<E> {
  sessionId: string;
  events: E[];
  retryMs: number;
}

/**
 * Sessions set aside because another transaction keeps their row locked: each one's events in
 * stream order, to be tried again on their own once its pause is over. Plain bookkeeping, no I/O:
 * the time is passed in.
 */
export class ParkedSessions<E extends { seq: number }> {
  private readonly sessions = new Map<string, { events: E[]; retryAt: number; retryMs: number }>();
  /** Events set aside, all sessions together. */
  count = 0;

  has(sessionId: string): boolean {
    return this.sessions.has(sessionId);
  }

  /** Appends after what the session has set aside; a session new here is due `retryMs` after `now`. */
  add(sessionId: string, events: readonly E[], now: number, retryMs: number): void {
    const parked = this.sessions.get(sessionId);
    if (parked) parked.events.push(...events);
    else this.sessions.set(sessionId, { events: [...events], retryAt: now + retryMs, retryMs });
    this.count += events.length;
  }

  /** A session whose pause is over at `now`, taken out with its events; undefined when none is. */
  takeDue(now: number): DueSession<E> | undefined {
    for (const [sessionId, { events, retryAt, retryMs }] of this.sessions) {
      if (retryAt > now) continue;
      this.sessions.delete(sessionId);
      this.count -= events.length;
      return { sessionId, events, retryMs };
    }
    return undefined;
  }

  /** How long from `now` until a session is due; undefined when none is set aside. */
  nextDueIn(now: number): number | undefined {
    let next = Number.POSITIVE_INFINITY;
    for (const { retryAt } of this.sessions.values()) next = Math.min(next, retryAt);
    return next === Number.POSITIVE_INFINITY ? undefined : Math.max(0, next - now);
  }

  /** The oldest event set aside's sequence; Infinity when none is. */
  firstSeq(): number {
    let first = Number.POSITIVE_INFINITY;
    for (const { events } of this.sessions.values()) {
      for (const event of events) first = Math.min(first, event.seq);
    }
    return first;
  }

  clear(): void {
    this.sessions.clear();
    this.count = 0;
  }
}
