/**
 * Keeps API calls and the faults that could make their outcome ambiguous apart: a request whose
 * gateway dies mid-call may or may not have been carried out, and retrying it could double a message.
 * Calls share the gate; such a fault waits for the calls in flight and holds the gate alone.
 */
export class ApiGate {
  private calls = 0;
  private exclusive: Promise<void> = Promise.resolve();
  private holding = false;
  private drained?: () => void;

  async call<T>(work: () => Promise<T>): Promise<T> {
    while (this.holding) await this.exclusive;
    this.calls++;
    try {
      return await work();
    } finally {
      this.calls--;
      if (this.calls === 0) this.drained?.();
    }
  }

  /** Runs `fault` once no call is in flight, holding new calls back until it is over. */
  async alone<T>(fault: () => Promise<T>): Promise<T> {
    while (this.holding) await this.exclusive;
    let release!: () => void;
    this.holding = true;
    this.exclusive = new Promise((resolve) => (release = resolve));
    try {
      if (this.calls > 0) await new Promise<void>((resolve) => (this.drained = resolve));
      this.drained = undefined;
      return await fault();
    } finally {
      this.holding = false;
      release();
    }
  }
}
