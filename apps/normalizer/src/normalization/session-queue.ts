/**
 * Runs tasks one after another per session and side by side across sessions: a session's records must
 * be folded in order, but one slow session must not hold up the others.
 */
export class SessionQueue {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(sessionId: string, task: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(sessionId) ?? Promise.resolve()).then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(sessionId, tail);
    // Forget idle sessions, so the map holds only those with work queued.
    void tail.then(() => {
      if (this.tails.get(sessionId) === tail) this.tails.delete(sessionId);
    });
    return result;
  }
}
