/**
 * Scripted runs. A scenario is a generator of steps, so a run holds only its position in the script,
 * not the script itself. The run turns each `frame` step into one SSE frame, one pace apart.
 */
export type ScenarioStep =
  | { kind: 'frame'; event: string; data: Record<string, unknown> }
  /** Stop here until the run is cancelled; heartbeats keep coming. */
  | { kind: 'hang' }
  /** Emit `result` (text: the run's assistant text, or `errorText`) and `done`. */
  | {
      kind: 'finish';
      status: 'FINISHED' | 'ERROR';
      errorText?: string;
      editsFiles?: boolean;
      /** Replaces the run's joined assistant text in `result` (a bench run's text would be huge). */
      resultText?: string;
    };

export const SCENARIO_NAMES = ['default', 'long', 'pr', 'error', 'hang', 'tool_error', 'bench'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface ScenarioContext {
  runId: string;
  promptText: string;
  /** `bench`: content frames to stream (default 100). */
  frames?: number;
  /** `bench`: characters of text per content frame (default 64). */
  frameBytes?: number;
}

type Script = Generator<ScenarioStep, void, undefined>;

const frame = (event: string, data: Record<string, unknown>): ScenarioStep => ({
  kind: 'frame',
  event,
  data,
});

/** `interaction_update` is the SDK-shaped second copy of the same progress Cursor also sends. */
const interaction = (type: string, extra: Record<string, unknown> = {}) =>
  frame('interaction_update', { type, ...extra });

function* opening(context: ScenarioContext): Script {
  yield frame('status', { runId: context.runId, status: 'RUNNING' });
  yield interaction('user-message-appended', { text: context.promptText });
}

function* thinking(...deltas: string[]): Script {
  for (const text of deltas) {
    yield frame('thinking', { text });
    yield interaction('thinking-delta', { text });
  }
}

function* say(...deltas: string[]): Script {
  for (const text of deltas) {
    yield frame('assistant', { text });
    yield interaction('text-delta', { text });
  }
}

/**
 * A tool call as Cursor streams it: `running` frames with the same callId while the args fill in
 * (fullest on the last one), then `completed` with the full args and the result.
 */
function* toolCall(
  callId: string,
  name: string,
  argStages: Record<string, unknown>[],
  result: unknown,
): Script {
  yield interaction('step-started', { stepId: callId, toolName: name });
  for (const args of argStages) yield frame('tool_call', { callId, name, status: 'running', args });
  const args = argStages[argStages.length - 1] ?? {};
  yield frame('tool_call', { callId, name, status: 'completed', args, result });
  yield interaction('step-completed', { stepId: callId, toolName: name });
}

function* defaultRun(context: ScenarioContext): Script {
  yield* opening(context);
  yield* thinking('Let me look at the repository layout.', ' The README should explain the project.');
  yield* say("I'll start by ", 'reading the README.');
  yield* toolCall(
    callId(context, 1),
    'read_file',
    [
      { target_file: 'README.md' },
      { target_file: 'README.md', start_line_one_indexed: 1 },
      { target_file: 'README.md', start_line_one_indexed: 1, end_line_one_indexed: 40 },
    ],
    { contents: '# Demo project\n\nA small service used to try Cursor agents.\n', totalLines: 3 },
  );
  yield interaction('token-delta', { tokens: 128 });
  yield frame('heartbeat', {});
  yield* say('The README describes ', 'a small demo service.');
  yield interaction('turn-ended');
  yield { kind: 'finish', status: 'FINISHED' };
}

function* longRun(context: ScenarioContext): Script {
  yield* opening(context);
  for (let step = 1; step <= 12; step++) {
    yield* thinking(`Step ${step}: deciding what to inspect next.`);
    yield* say(`Step ${step}: `, 'searching ', 'the code ', 'for usages. ');
    yield* toolCall(
      callId(context, step),
      'grep_search',
      [{ query: `usage${step}` }, { query: `usage${step}`, include_pattern: '*.ts' }],
      { matches: [{ file: `src/module-${step}.ts`, line: step * 3, text: `usage${step}()` }] },
    );
    if (step % 4 === 0) yield frame('heartbeat', {});
  }
  yield* say('All usages are accounted for.');
  yield interaction('turn-ended');
  yield { kind: 'finish', status: 'FINISHED' };
}

function* pullRequestRun(context: ScenarioContext): Script {
  yield* opening(context);
  yield* thinking('The change belongs in src/greeting.ts.');
  yield* say('I will update the greeting ', 'and open a pull request.');
  yield* toolCall(
    callId(context, 1),
    'edit_file',
    [
      { target_file: 'src/greeting.ts' },
      { target_file: 'src/greeting.ts', instructions: 'Say hello to the world' },
      {
        target_file: 'src/greeting.ts',
        instructions: 'Say hello to the world',
        code_edit: "export const greeting = 'Hello, world!';\n",
      },
    ],
    { diff: "-export const greeting = 'Hi';\n+export const greeting = 'Hello, world!';\n" },
  );
  yield* toolCall(
    callId(context, 2),
    'run_terminal_cmd',
    [{ command: 'npm test' }, { command: 'npm test', is_background: false }],
    { exitCode: 0, output: 'All tests passed.\n' },
  );
  yield* say(' The greeting is updated and the tests pass.');
  yield interaction('turn-ended');
  yield { kind: 'finish', status: 'FINISHED', editsFiles: true };
}

function* errorRun(context: ScenarioContext): Script {
  yield* opening(context);
  yield* thinking('Cloning the repository.');
  yield* say('Let me check out ', 'the repository.');
  yield { kind: 'finish', status: 'ERROR', errorText: 'The agent could not clone the repository.' };
}

function* hangingRun(context: ScenarioContext): Script {
  yield* opening(context);
  yield* thinking('This will take a while.');
  yield* say('Working on it…');
  yield { kind: 'hang' };
}

function* toolErrorRun(context: ScenarioContext): Script {
  yield* opening(context);
  yield* say('Running the test suite.');
  yield* toolCall(
    callId(context, 1),
    'run_terminal_cmd',
    [{ command: 'npm test' }, { command: 'npm test', is_background: false }],
    { success: false, error: 'Command failed with exit code 1: 2 tests failed', exitCode: 1 },
  );
  yield* say('The tests fail; ', 'see the output above.');
  yield interaction('turn-ended');
  yield { kind: 'finish', status: 'FINISHED' };
}

/**
 * Load for benchmarks: `frames` content frames alternating `assistant` and `thinking`, each with
 * `frameBytes` characters of text. Each `thinking` frame ends the open assistant text, so a normalizer
 * emits about one event per content frame (`agent.message`, then `agent.thinking`), with no
 * `interaction_update` copies that would cost a frame and yield nothing.
 */
function* benchRun(context: ScenarioContext): Script {
  yield frame('status', { runId: context.runId, status: 'RUNNING' });
  const frames = context.frames ?? 100;
  const filler = 'x'.repeat(context.frameBytes ?? 64);
  for (let i = 0; i < frames; i++) {
    yield frame(i % 2 === 0 ? 'assistant' : 'thinking', { text: filler });
  }
  yield { kind: 'finish', status: 'FINISHED', resultText: `bench run of ${frames} frames` };
}

const SCRIPTS: Record<ScenarioName, (context: ScenarioContext) => Script> = {
  default: defaultRun,
  long: longRun,
  pr: pullRequestRun,
  error: errorRun,
  hang: hangingRun,
  tool_error: toolErrorRun,
  bench: benchRun,
};

export function startScenario(name: ScenarioName, context: ScenarioContext): Iterator<ScenarioStep, void> {
  return SCRIPTS[name](context);
}

function callId(context: ScenarioContext, n: number): string {
  return `call_${context.runId.slice(-8)}_${n}`;
}
