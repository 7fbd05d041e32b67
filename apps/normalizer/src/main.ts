import { loadConfig } from '@lap/config';
import { runService } from '@lap/service-runtime';
import { normalizerConfigSchema, startNormalizer } from './index';

runService('normalizer', () => startNormalizer(loadConfig(normalizerConfigSchema)));
