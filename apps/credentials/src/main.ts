import 'reflect-metadata';
import { loadConfig } from '@lap/config';
import { runService } from '@lap/service-runtime';
import { credentialsConfigSchema, startCredentialsService } from './index';

// Async, so a configuration error becomes a rejection runService reports (exit 78), not a stack trace.
runService('credentials', async () => startCredentialsService(loadConfig(credentialsConfigSchema)));
