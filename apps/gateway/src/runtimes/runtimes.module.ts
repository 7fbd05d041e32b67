import { Module } from '@nestjs/common';
import { CredentialsClient } from './credentials.client';
import { RuntimesController } from './runtimes.controller';
import { RuntimesService } from './runtimes.service';

@Module({
  controllers: [RuntimesController],
  providers: [RuntimesService, CredentialsClient],
})
export class RuntimesModule {}
