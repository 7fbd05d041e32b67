export { startLocalStack, type RunningStack } from './local-stack';
export { stackConfigSchema, type StackConfig } from './stack-config';
