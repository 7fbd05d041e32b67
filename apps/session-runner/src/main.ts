import { loadConfig } from '@lap/config';
import { runService } from '@lap/service-runtime';
import { runnerConfigSchema, startSessionRunner } from './index';

runService('session-runner', () => startSessionRunner(loadConfig(runnerConfigSchema)));
