import 'reflect-metadata';

export { startCredentialsService, type RunningCredentialsService } from './start-credentials-service';
export { credentialsConfigSchema, type CredentialsConfig } from './config';
