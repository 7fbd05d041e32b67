export { classifyRawRecord, foldRecord } from './fold';
export type { FoldNote, FoldResult, RawRecordTurn } from './fold';
export { initialFoldState } from './fold-state';
export type { FoldState, OpenToolCall, RunFoldState } from './fold-state';
