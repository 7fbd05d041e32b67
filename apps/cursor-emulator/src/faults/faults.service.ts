import { Inject, Injectable } from '@nestjs/common';
import { EMULATOR_OPTIONS, type EmulatorOptions } from '../emulator-options';
import { isStreamFault, parseFaultSpec, type FaultSpec, type StreamFaultSpec } from './fault-spec';
import { RequestFaultBudget } from './request-fault-budget';

/**
 * Faults set for everyone (admin route, `EMULATOR_FAULTS`): request faults answer the next API requests
 * of any key; stream faults are copied into every run created while they are set.
 */
@Injectable()
export class FaultsService {
  readonly globalRequestFaults = new RequestFaultBudget();
  private globalStreamFaults: StreamFaultSpec[] = [];

  constructor(@Inject(EMULATOR_OPTIONS) options: EmulatorOptions) {
    this.addGlobal(options.faults.map(parseFaultSpec));
  }

  addGlobal(specs: FaultSpec[]): void {
    for (const spec of specs) {
      if (isStreamFault(spec)) this.globalStreamFaults.push(spec);
      else this.globalRequestFaults.add(spec);
    }
  }

  streamFaultsForNewRun(): StreamFaultSpec[] {
    return [...this.globalStreamFaults];
  }

  describe() {
    return { requestFaults: this.globalRequestFaults.describe(), streamFaults: this.globalStreamFaults };
  }

  clear(): void {
    this.globalRequestFaults.clear();
    this.globalStreamFaults = [];
  }
}
