import { Module } from '@nestjs/common';
import { RunsModule } from '../runs/runs.module';
import { StreamController } from './stream.controller';
import { StreamService } from './stream.service';

@Module({ imports: [RunsModule], controllers: [StreamController], providers: [StreamService] })
export class StreamModule {}
