import type { SeededRandom } from './seeded-random';

export type Scenario = 'default' | 'long';

/** One user message of a planned session: which script Cursor plays, how fast, and how it breaks the stream. */
export interface MessagePlan {
  scenario: Scenario;
  paceMs: number;
  /** An emulator stream fault for this run (`drop_after=N`, `reset_after=N`, …), or none. */
  cursorFault?: string;
}

export interface SessionPlan {
  index: number;
  messages: MessagePlan[];
}

export interface PlanSettings {
  sessions: number;
  /** Chance that a session gets a second message (sent at once, queued behind the first). */
  followUpChance: number;
  /** Chance that a run's stream is broken by the emulator. */
  cursorFaultChance: number;
  paceMs: readonly [number, number];
}

const CURSOR_FAULTS = ['drop_after', 'reset_after', 'unavailable_after'] as const;

export function planSessions(random: SeededRandom, settings: PlanSettings): SessionPlan[] {
  const message = (): MessagePlan => {
    const scenario: Scenario = random.chance(0.6) ? 'long' : 'default';
    const frames = scenario === 'long' ? 150 : 20;
    return {
      scenario,
      paceMs: random.int(...settings.paceMs),
      ...(random.chance(settings.cursorFaultChance)
        ? { cursorFault: `${random.pick(CURSOR_FAULTS)}=${random.int(3, frames)},times=${random.int(1, 2)}` }
        : {}),
    };
  };
  return Array.from({ length: settings.sessions }, (_, index) => ({
    index,
    messages: random.chance(settings.followUpChance) ? [message(), message()] : [message()],
  }));
}

/** The prompt of a session's n-th message (0-based); the emulator reads the bracketed directives. */
export function promptOf(message: MessagePlan, position: number): string {
  const fault = message.cursorFault ? ` [fault:${message.cursorFault}]` : '';
  return `Task ${position + 1}: [scenario:${message.scenario}] [pace:${message.paceMs}]${fault}`;
}

/** The same messages played at full speed with no fault: the run every planned one must match. */
export function undisturbed(messages: readonly MessagePlan[]): MessagePlan[] {
  return messages.map(({ scenario }) => ({ scenario, paceMs: 0 }));
}

/** Sessions whose messages play the same scripts share one expected event sequence. */
export function scriptKey(messages: readonly MessagePlan[]): string {
  return messages.map((m) => m.scenario).join('+');
}
