export { CursorClient } from './cursor-client';
export type { RunFrameStream } from './run-stream';
export type { CursorClientOptions, CallOptions, StreamRunOptions } from './cursor-client';
export { CursorApiError, CursorUnreachableError, StreamStalledError, parseRetryAfterMs } from './errors';
export { SseParser } from './sse-parser';
export type { SseMessage } from './sse-parser';
export { RUN_STATUSES, TERMINAL_RUN_STATUSES, isTerminalRunStatus } from './types';
export type * from './types';
export type { CursorFrame } from '@lap/contracts';
