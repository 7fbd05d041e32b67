import { Global, Module } from '@nestjs/common';
import { FaultsService } from './faults.service';
import { RequestFaultGuard } from './request-fault.guard';

@Global()
@Module({ providers: [FaultsService, RequestFaultGuard], exports: [FaultsService, RequestFaultGuard] })
export class FaultsModule {}
