import { FaultSpecError, parseFaultSpec, type FaultSpec } from '../faults/fault-spec';
import { SCENARIO_NAMES, type ScenarioName } from './scenario-scripts';

/** What a prompt asks of the emulator through `[scenario:…]`, `[pace:…]` and `[fault:…]` tokens. */
export interface PromptDirectives {
  scenario: ScenarioName;
  /** Milliseconds between frames for this run, instead of the global interval. */
  paceMs?: number;
  /** `bench` scenario: how many content frames the run streams. */
  frames?: number;
  /** `bench` scenario: characters of text in each content frame. */
  frameBytes?: number;
  faults: FaultSpec[];
}

/** Bounds of the `bench` knobs: a run's whole log stays in memory, so it must stay finite. */
export const MAX_BENCH_FRAMES = 1_000_000;
export const MAX_BENCH_FRAME_BYTES = 65_536;

export class DirectiveError extends Error {}

const TOKEN = /\[(scenario|pace|fault|frames|frame_bytes):([^\]]*)\]/gi;

export function parsePromptDirectives(text: string): PromptDirectives {
  const directives: PromptDirectives = { scenario: 'default', faults: [] };
  for (const [, name, rawValue] of text.matchAll(TOKEN)) {
    const value = rawValue.trim();
    switch (name.toLowerCase()) {
      case 'scenario':
        if (!(SCENARIO_NAMES as readonly string[]).includes(value.toLowerCase())) {
          throw new DirectiveError(`unknown scenario "${value}" (known: ${SCENARIO_NAMES.join(', ')})`);
        }
        directives.scenario = value.toLowerCase() as ScenarioName;
        break;
      case 'pace':
        if (!/^\d+$/.test(value))
          throw new DirectiveError(`[pace:${value}] needs a whole number of milliseconds`);
        directives.paceMs = Number(value);
        break;
      case 'frames':
        directives.frames = boundedWholeNumber('frames', value, MAX_BENCH_FRAMES);
        break;
      case 'frame_bytes':
        directives.frameBytes = boundedWholeNumber('frame_bytes', value, MAX_BENCH_FRAME_BYTES);
        break;
      case 'fault':
        try {
          directives.faults.push(parseFaultSpec(value));
        } catch (error) {
          if (error instanceof FaultSpecError) throw new DirectiveError(`[fault:${value}]: ${error.message}`);
          throw error;
        }
        break;
    }
  }
  return directives;
}

function boundedWholeNumber(name: string, value: string, max: number): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= max))
    throw new DirectiveError(`[${name}:${value}] needs a whole number from 1 to ${max}`);
  return n;
}
