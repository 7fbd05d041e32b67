import { FaultSpecError, parseFaultSpec, type FaultSpec } from '../faults/fault-spec';
import { SCENARIO_NAMES, type ScenarioName } from './scenario-scripts';

/** What a prompt asks of the emulator through `[scenario:…]`, `[pace:…]` and `[fault:…]` tokens. */
export interface PromptDirectives {
  scenario: ScenarioName;
  /** Milliseconds between frames for this run, instead of the global interval. */
  paceMs?: number;
  faults: FaultSpec[];
}

export class DirectiveError extends Error {}

const TOKEN = /\[(scenario|pace|fault):([^\]]*)\]/gi;

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
