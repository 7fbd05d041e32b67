/** What a runner can do to a session it is executing right now. */
export interface LiveSession {
  /** Cancels the run; records the interrupt first unless `record` is false (the raw log holds it). */
  interrupt(commandId: string, record: boolean): Promise<void>;
}

/** The sessions this process is executing, by id: who answers an interrupt. */
export class LiveSessions {
  private readonly sessions = new Map<string, LiveSession>();

  hold(sessionId: string, session: LiveSession): () => void {
    this.sessions.set(sessionId, session);
    return () => {
      if (this.sessions.get(sessionId) === session) this.sessions.delete(sessionId);
    };
  }

  get(sessionId: string): LiveSession | undefined {
    return this.sessions.get(sessionId);
  }

  get size(): number {
    return this.sessions.size;
  }
}
