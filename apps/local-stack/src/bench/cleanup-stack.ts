/**
 * Everything the bench starts or creates registers how to undo it here; `runAll` undoes it in reverse
 * order, once, whether the bench finished, failed or was interrupted (Ctrl-C).
 */
export class CleanupStack {
  private readonly steps: Array<{ what: string; undo: () => Promise<void> }> = [];
  private running?: Promise<void>;

  constructor(private readonly log: (line: string) => void) {}

  /** Registers an undo step; returns a function that runs it now (and forgets it). */
  push(what: string, undo: () => Promise<void>): () => Promise<void> {
    const step = { what, undo };
    this.steps.push(step);
    return async () => {
      const index = this.steps.indexOf(step);
      if (index < 0) return;
      this.steps.splice(index, 1);
      await this.runStep(step);
    };
  }

  runAll(): Promise<void> {
    this.running ??= (async () => {
      while (this.steps.length) await this.runStep(this.steps.pop()!);
    })();
    return this.running;
  }

  private async runStep(step: { what: string; undo: () => Promise<void> }): Promise<void> {
    try {
      await step.undo();
    } catch (error) {
      this.log(`cleanup: ${step.what} failed: ${(error as Error).message}`);
    }
  }
}
