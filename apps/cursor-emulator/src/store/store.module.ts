import { Global, Module } from '@nestjs/common';
import { EmulatorStore } from './emulator-store';

@Global()
@Module({ providers: [EmulatorStore], exports: [EmulatorStore] })
export class StoreModule {}
