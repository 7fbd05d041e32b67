import { z } from 'zod';

/**
 * Records on `<P>.raw.<sessionId>`: every Cursor run-stream frame, verbatim, and the runner's own
 * lifecycle records. The raw log alone tells a new runner where a session stands, and it is the only
 * input of the normalizer.
 */
const at = z.string();

export const cursorFrameSchema = z.object({
  /** Cursor's SSE `id:` (`<ms>-<seq>`), null for the id-less `status` frame sent on every connect. */
  id: z.string().nullable(),
  event: z.string(),
  data: z.unknown(),
});
export type CursorFrame = z.infer<typeof cursorFrameSchema>;

export const gitBranchSchema = z.object({
  repoUrl: z.string().optional(),
  branch: z.string().optional(),
  prUrl: z.string().optional(),
});

export const rawRecordSchema = z.discriminatedUnion('kind', [
  /** A runner took a user message: it becomes the `user.message` event. */
  z.object({ kind: z.literal('message.taken'), commandId: z.string(), text: z.string(), at }),
  /** A runner took an interrupt: it becomes the `user.interrupt` event. */
  z.object({ kind: z.literal('interrupt.taken'), commandId: z.string(), runId: z.string().nullable(), at }),
  /** The first message created the Cursor agent and its first run. */
  z.object({
    kind: z.literal('cursor.agent_created'),
    commandId: z.string(),
    agentId: z.string(),
    runId: z.string(),
    at,
  }),
  /** A follow-up message created a new run on the existing Cursor agent. */
  z.object({
    kind: z.literal('cursor.run_created'),
    commandId: z.string(),
    agentId: z.string(),
    runId: z.string(),
    at,
  }),
  /** One frame of the run's SSE stream, exactly as Cursor sent it. */
  z.object({ kind: z.literal('cursor.frame'), runId: z.string(), frame: cursorFrameSchema, at }),
  /**
   * Consecutive frames of the run's stream that arrived while the runner was still recording the ones
   * before, verbatim and in order: one record instead of one each. Every frame of it has an id.
   */
  z.object({
    kind: z.literal('cursor.frames'),
    runId: z.string(),
    frames: z.array(cursorFrameSchema.extend({ id: z.string() })).min(2),
    at,
  }),
  /**
   * The run reached its terminal state, read from its `result` frame or, when the stream could not
   * tell, from `GET run`.
   */
  z.object({
    kind: z.literal('run.settled'),
    commandId: z.string(),
    runId: z.string(),
    status: z.string(),
    source: z.enum(['result', 'get_run']),
    text: z.string().optional(),
    branches: z.array(gitBranchSchema).optional(),
    at,
  }),
  /** The runner could not reach or use Cursor; the message is one a person can act on. */
  z.object({
    kind: z.literal('runner.error'),
    commandId: z.string(),
    error: z.object({ type: z.string(), message: z.string() }),
    at,
  }),
]);

export type RawRecord = z.infer<typeof rawRecordSchema>;
export type RawRecordKind = RawRecord['kind'];

/** The Cursor frames a raw record holds, in stream order: none for the runner's own records. */
export function cursorFramesOf(record: RawRecord): CursorFrame[] {
  if (record.kind === 'cursor.frame') return [record.frame];
  if (record.kind === 'cursor.frames') return record.frames;
  return [];
}
