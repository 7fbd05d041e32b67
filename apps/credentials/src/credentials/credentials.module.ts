import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { NatsClient } from '@lap/messaging';
import { KeyRing } from '../encryption/key-ring';
import { CREDENTIALS_SUBJECTS, type CredentialsSubjects } from './credentials-subjects';
import { CredentialsResponder } from './credentials.responder';
import { CredentialsService } from './credentials.service';
import { RuntimeCredential } from './runtime-credential.entity';

export interface CredentialsModuleOptions {
  nats: NatsClient;
  subjects: CredentialsSubjects;
  keyRing: KeyRing;
}

@Module({})
export class CredentialsModule {
  static register({ nats, subjects, keyRing }: CredentialsModuleOptions): DynamicModule {
    return {
      module: CredentialsModule,
      imports: [TypeOrmModule.forFeature([RuntimeCredential])],
      providers: [
        { provide: NatsClient, useValue: nats },
        { provide: CREDENTIALS_SUBJECTS, useValue: subjects },
        { provide: KeyRing, useValue: keyRing },
        CredentialsService,
        CredentialsResponder,
      ],
    };
  }
}
