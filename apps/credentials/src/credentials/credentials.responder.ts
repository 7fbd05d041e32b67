import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { credentialsRpc } from '@lap/contracts';
import { NatsClient, RpcServer } from '@lap/messaging';
import { CREDENTIALS_SUBJECTS, type CredentialsSubjects } from './credentials-subjects';
import { CredentialsService } from './credentials.service';

/** Answers the credentials request/reply subjects, in a queue group shared by every replica. */
@Injectable()
export class CredentialsResponder implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(CredentialsResponder.name);
  private server?: RpcServer;

  constructor(
    private readonly nats: NatsClient,
    @Inject(CREDENTIALS_SUBJECTS) private readonly subjects: CredentialsSubjects,
    private readonly credentials: CredentialsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const server = new RpcServer(this.nats.connection, (message, error) =>
      this.logger.error(`${message}: ${(error as Error)?.message}`, (error as Error)?.stack),
    );
    const { subjects, credentials } = this;
    server.serve(subjects.publicKey, credentialsRpc.publicKey.request, async () => credentials.publicKey());
    server.serve(subjects.put, credentialsRpc.put.request, (request) => credentials.put(request));
    server.serve(subjects.list, credentialsRpc.list.request, (request) => credentials.list(request));
    server.serve(subjects.delete, credentialsRpc.delete.request, (request) => credentials.delete(request));
    server.serve(subjects.resolve, credentialsRpc.resolve.request, (request) => credentials.resolve(request));
    this.server = server;
    // The subscriptions reach the server before start-up reports ready, so no early request goes unanswered.
    await this.nats.connection.flush();
  }

  onModuleDestroy(): void {
    this.server?.close();
  }
}
