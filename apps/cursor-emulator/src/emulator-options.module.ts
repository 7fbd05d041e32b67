import { DynamicModule, Global, Module } from '@nestjs/common';
import { EMULATOR_OPTIONS, type EmulatorOptions } from './emulator-options';

/** Makes the resolved options injectable everywhere as `EMULATOR_OPTIONS`. */
@Global()
@Module({})
export class EmulatorOptionsModule {
  static register(options: EmulatorOptions): DynamicModule {
    return {
      module: EmulatorOptionsModule,
      providers: [{ provide: EMULATOR_OPTIONS, useValue: options }],
      exports: [EMULATOR_OPTIONS],
    };
  }
}
