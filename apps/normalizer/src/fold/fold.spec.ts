import { eventId } from '@lap/contracts';
import type { RawRecord, SessionEvent, SessionEventBody } from '@lap/contracts';
import { classifyRawRecord, foldRecord, initialFoldState } from './index';
import type { FoldNote, FoldState } from './index';

const SESSION = 'sesn_0000000000000000000000test';
const AGENT = 'bc-agent-1';
const RUN = 'run-1';
const AT = '2026-01-01T00:00:00.000Z';
const PROCESSED_AT = '2026-01-01T00:00:01.000Z';

const record = {
  message: (text: string): RawRecord => ({ kind: 'message.taken', commandId: 'cmd_1', text, at: AT }),
  interrupt: (runId: string | null = RUN): RawRecord => ({
    kind: 'interrupt.taken',
    commandId: 'cmd_2',
    runId,
    at: AT,
  }),
  agentCreated: (runId = RUN): RawRecord => ({
    kind: 'cursor.agent_created',
    commandId: 'cmd_1',
    agentId: AGENT,
    runId,
    at: AT,
  }),
  runCreated: (runId: string): RawRecord => ({
    kind: 'cursor.run_created',
    commandId: 'cmd_3',
    agentId: AGENT,
    runId,
    at: AT,
  }),
  settled: (
    status: string,
    extra: Partial<Extract<RawRecord, { kind: 'run.settled' }>> = {},
    runId = RUN,
  ): RawRecord => ({
    kind: 'run.settled',
    commandId: 'cmd_1',
    runId,
    status,
    source: 'result',
    at: AT,
    ...extra,
  }),
  runnerError: (type: string, message: string): RawRecord => ({
    kind: 'runner.error',
    commandId: 'cmd_1',
    error: { type, message },
    at: AT,
  }),
};

let frameCounter = 0;
function frame(
  event: string,
  data: unknown,
  runId = RUN,
  id: string | null = `1700000000000-${++frameCounter}`,
) {
  return { kind: 'cursor.frame', runId, frame: { id, event, data }, at: AT } satisfies RawRecord;
}
const status = (value: string, runId = RUN) => frame('status', { runId, status: value }, runId, null);
const assistant = (text: string) => frame('assistant', { text });
const thinking = () => frame('thinking', { text: '…' });
const heartbeat = () => frame('heartbeat', {});
const interactionUpdate = (type = 'text-delta') => frame('interaction_update', { type, text: 'x' });
const done = () => frame('done', {});
const toolCall = (data: Record<string, unknown>) => frame('tool_call', data);
const resultFrame = (value: string) => frame('result', { runId: RUN, status: value });
const errorFrame = (code: string, message?: string) => frame('error', { code, message });

interface Folded {
  events: SessionEvent[];
  state: FoldState;
  notes: FoldNote[];
}

/** Folds records in order with raw sequences firstSeq, firstSeq + 1, … */
function foldAll(records: RawRecord[], state = initialFoldState(), firstSeq = state.lastRawSeq + 1): Folded {
  const events: SessionEvent[] = [];
  const notes: FoldNote[] = [];
  records.forEach((raw, index) => {
    const result = foldRecord(state, raw, firstSeq + index, SESSION, PROCESSED_AT);
    events.push(...result.events);
    notes.push(...result.notes);
    state = result.state;
  });
  return { events, state, notes };
}

const toolUseLabel = (n: number) => `tool_use #${n}`;

/**
 * The events without processed_at and without their hash-like ids, which most tests do not care about.
 * A tool use keeps a readable label instead (`tool_use #n`, n-th tool use in the list), and a tool result
 * names the label of the tool use it points at, so tests still check that pairing.
 */
function bodies(events: SessionEvent[]): SessionEventBody[] {
  const toolUseLabels = new Map<string, string>();
  return events.map(({ processed_at: _processedAt, ...event }): SessionEventBody => {
    if (event.type === 'agent.tool_use') {
      const label = toolUseLabel(toolUseLabels.size + 1);
      toolUseLabels.set(event.id, label);
      return { ...event, id: label };
    }
    const { id: _id, ...body } = event;
    if (body.type === 'agent.tool_result') {
      return {
        ...body,
        tool_use_id: toolUseLabels.get(body.tool_use_id) ?? `not a tool use: ${body.tool_use_id}`,
      };
    }
    return body as SessionEventBody;
  });
}

const foldBodies = (records: RawRecord[], state?: FoldState) => bodies(foldAll(records, state).events);

/** A state in the middle of a run that is already announced as running. */
function runningState(): FoldState {
  return foldAll([record.agentCreated(), status('RUNNING')]).state;
}

const running: SessionEventBody = { type: 'session.status_running' };
const idle: SessionEventBody = { type: 'session.status_idle', stop_reason: { type: 'end_turn' } };
const message = (text: string): SessionEventBody => ({
  type: 'agent.message',
  content: [{ type: 'text', text }],
});
const thought: SessionEventBody = { type: 'agent.thinking' };
/** The n-th `agent.tool_use` of the folded events (see `bodies`). */
const toolUse = (n: number, name: string, input: Record<string, unknown>): SessionEventBody => ({
  type: 'agent.tool_use',
  id: toolUseLabel(n),
  name,
  input,
});
/** The result of the n-th `agent.tool_use` of the folded events. */
const toolResult = (n: number, text: string, isError = false): SessionEventBody => ({
  type: 'agent.tool_result',
  tool_use_id: toolUseLabel(n),
  content: [{ type: 'text', text }],
  is_error: isError,
});

describe('foldRecord', () => {
  describe('event ids and state bookkeeping', () => {
    it('gives the i-th event of a record the id eventId(session, rawSeq, i) and the caller’s processed_at', () => {
      const state = foldAll([record.agentCreated(), status('RUNNING'), assistant('hi')]).state;
      const { events } = foldRecord(state, record.settled('FINISHED'), 42, SESSION, PROCESSED_AT);
      expect(events.map((event) => event.type)).toEqual(['agent.message', 'session.status_idle']);
      expect(events.map((event) => event.id)).toEqual([eventId(SESSION, 42, 0), eventId(SESSION, 42, 1)]);
      for (const event of events) expect(event.processed_at).toBe(PROCESSED_AT);
    });

    it('sets lastRawSeq to the record’s sequence, even when nothing is emitted, and leaves lastEventSeq alone', () => {
      const state = { ...initialFoldState(), lastRawSeq: 6, lastEventSeq: 99 };
      const result = foldRecord(state, heartbeat(), 7, SESSION, PROCESSED_AT);
      expect(result.events).toEqual([]);
      expect(result.state.lastRawSeq).toBe(7);
      expect(result.state.lastEventSeq).toBe(99);
    });

    it('never changes the state it is given', () => {
      // Frozen all the way down: a change in place throws. One state with text open, one with tool
      // calls open (one still taking args, one used) and one completed.
      const states = [
        foldAll([record.agentCreated(), status('RUNNING'), assistant('a')]).state,
        foldAll([
          record.agentCreated(),
          status('RUNNING'),
          toolCall({ callId: 'c1', name: 'read_file', status: 'running', args: { path: 'a' } }),
          toolCall({ callId: 'c2', name: 'edit_file', status: 'running', args: { path: 'b' } }),
          toolCall({ callId: 'c3', name: 'grep', status: 'running', args: { pattern: 'x' } }),
          toolCall({ callId: 'c3', name: 'grep', status: 'completed', result: 'found' }),
          assistant('using c1'),
        ]).state,
      ].map(deepFreeze);
      expect(states[1].run?.openToolCalls.length).toBeGreaterThan(0);
      expect(states[1].run?.completedToolCallIds).toEqual(['c3']);
      for (const state of states) {
        const snapshot = JSON.stringify(state);
        for (const raw of [
          assistant('b'),
          thinking(),
          toolCall({ callId: 'c1', name: 'read_file', status: 'running', args: { line: 2 } }),
          toolCall({ callId: 'c2', name: 'edit_file', status: 'running', args: { text: 'new' } }),
          toolCall({ callId: 'c1', name: 'read_file', status: 'completed', result: 'done' }),
          toolCall({ callId: 'c4', name: 'ls', status: 'running', args: {} }),
          record.settled('ERROR', { branches: [{ repoUrl: 'r', branch: 'b' }] }),
          record.runCreated('run-2'),
          record.runnerError('unknown_error', 'x'),
          record.message('more'),
          record.interrupt(),
        ]) {
          foldRecord(state, raw, 10, SESSION, PROCESSED_AT);
        }
        expect(JSON.stringify(state)).toBe(snapshot);
      }
    });

    it('starts from an empty, JSON-serializable state', () => {
      const state = initialFoldState();
      expect(state).toEqual({
        lastRawSeq: 0,
        lastEventSeq: 0,
        numbered: { seq: 0, number: 0 },
        run: null,
        lastSettledRunId: null,
      });
      expect(JSON.parse(JSON.stringify(state))).toEqual(state);
    });
  });

  describe('user records', () => {
    it('turns message.taken into user.message after flushing open text', () => {
      const events = foldBodies([assistant('partial'), record.message('next please')], runningState());
      expect(events).toEqual([
        message('partial'),
        { type: 'user.message', content: [{ type: 'text', text: 'next please' }] },
      ]);
    });

    it('turns message.taken into user.message before any run exists', () => {
      expect(foldBodies([record.message('hello')])).toEqual([
        { type: 'user.message', content: [{ type: 'text', text: 'hello' }] },
      ]);
    });

    it('turns interrupt.taken into user.interrupt after flushing open text and pending tool uses', () => {
      const events = foldBodies(
        [
          toolCall({ callId: 'c1', name: 'grep_search', status: 'running', args: { q: 'x' } }),
          record.interrupt(),
        ],
        runningState(),
      );
      expect(events).toEqual([toolUse(1, 'grep_search', { q: 'x' }), { type: 'user.interrupt' }]);
    });
  });

  describe('run records', () => {
    it('announces the Cursor agent and run of cursor.agent_created with session.updated', () => {
      expect(foldBodies([record.agentCreated()])).toEqual([
        { type: 'session.updated', outputs: { cursor_agent_id: AGENT, cursor_run_id: RUN } },
      ]);
    });

    it('starts a fresh run on cursor.run_created: status_running is announced again for it', () => {
      const first = foldAll([record.agentCreated(), status('RUNNING'), record.settled('FINISHED')]);
      const events = foldBodies([record.runCreated('run-2'), status('RUNNING', 'run-2')], first.state);
      expect(events).toEqual([
        { type: 'session.updated', outputs: { cursor_agent_id: AGENT, cursor_run_id: 'run-2' } },
        running,
      ]);
    });

    it('ignores a run record repeated for the current or an already settled run', () => {
      const live = runningState();
      expect(foldBodies([record.agentCreated()], live)).toEqual([]);
      const settled = foldAll([record.settled('FINISHED')], live).state;
      expect(foldBodies([record.runCreated(RUN)], settled)).toEqual([]);
    });

    it('flushes what the previous run left open before switching to a new run', () => {
      const events = foldBodies([assistant('left over'), record.runCreated('run-2')], runningState());
      expect(events).toEqual([
        message('left over'),
        { type: 'session.updated', outputs: { cursor_agent_id: AGENT, cursor_run_id: 'run-2' } },
      ]);
    });
  });

  describe('status frames', () => {
    it('emits session.status_running for the first RUNNING of a run', () => {
      expect(foldBodies([record.agentCreated(), status('RUNNING')]).slice(1)).toEqual([running]);
    });

    it('emits nothing for CREATING, a repeated RUNNING, or a terminal-looking status', () => {
      const events = foldBodies([
        record.agentCreated(),
        status('CREATING'),
        status('RUNNING'),
        status('RUNNING'),
        status('FINISHED'),
        status('CANCELLED'),
        status('ERROR'),
      ]);
      expect(events.slice(1)).toEqual([running]);
    });

    it('emits no second status_running when a reconnect re-sends RUNNING mid-run, and keeps the text whole', () => {
      const events = foldBodies(
        [
          assistant('Hello, '),
          errorFrame('stream_unavailable', 'try again'),
          done(),
          status('RUNNING'),
          assistant('world'),
          resultFrame('FINISHED'),
        ],
        runningState(),
      );
      expect(events).toEqual([message('Hello, world')]);
    });
  });

  describe('assistant frames', () => {
    it('accumulates deltas into one agent.message emitted at the next meaningful frame', () => {
      const events = foldBodies([assistant('a'), assistant('b'), assistant('c'), thinking()], runningState());
      expect(events).toEqual([message('abc'), thought]);
    });

    it('emits the open text when the run settles', () => {
      expect(foldBodies([assistant('bye'), record.settled('FINISHED')], runningState())).toEqual([
        message('bye'),
        idle,
      ]);
    });

    it('emits no agent.message for empty text', () => {
      expect(
        foldBodies([assistant(''), thinking(), assistant(''), record.settled('FINISHED')], runningState()),
      ).toEqual([thought, idle]);
    });

    it('does not split the text on heartbeat, interaction_update, done or an unknown frame type', () => {
      const events = foldBodies(
        [
          assistant('one '),
          heartbeat(),
          assistant('two '),
          interactionUpdate(),
          interactionUpdate('step-completed'),
          assistant('three '),
          done(),
          frame('brand_new_kind', { x: 1 }),
          assistant('four'),
          toolCall({ callId: 'c1', name: 'read_file', status: 'running' }),
          resultFrame('FINISHED'),
        ],
        runningState(),
      );
      expect(events).toEqual([message('one two three four'), toolUse(1, 'read_file', {})]);
    });

    it('reads frame data sent as JSON text', () => {
      expect(
        foldBodies([frame('assistant', '{"text":"json"}'), resultFrame('FINISHED')], runningState()),
      ).toEqual([message('json')]);
    });
  });

  describe('thinking frames', () => {
    it('emits agent.thinking once per unbroken stretch', () => {
      const events = foldBodies(
        [
          thinking(),
          thinking(),
          heartbeat(),
          interactionUpdate('thinking-delta'),
          thinking(),
          assistant('so'),
          thinking(),
        ],
        runningState(),
      );
      expect(events).toEqual([thought, message('so'), thought]);
    });

    it('ends a stretch at a tool call', () => {
      const events = foldBodies(
        [thinking(), toolCall({ callId: 'c1', name: 'mcp', status: 'completed', result: 'ok' }), thinking()],
        runningState(),
      );
      expect(events).toEqual([thought, toolUse(1, 'mcp', {}), toolResult(1, 'ok'), thought]);
    });
  });

  describe('tool_call running', () => {
    it('keeps the call pending while frames of the same callId grow its args, then emits the fullest args', () => {
      const events = foldBodies(
        [
          toolCall({ callId: 'c1', name: 'edit_file', status: 'running' }),
          toolCall({ callId: 'c1', name: 'edit_file', status: 'running', args: { path: 'a.ts' } }),
          toolCall({
            callId: 'c1',
            name: 'edit_file',
            status: 'running',
            args: { path: 'a.ts', content: 'x' },
          }),
          heartbeat(),
          assistant('done editing'),
        ],
        runningState(),
      );
      expect(events).toEqual([toolUse(1, 'edit_file', { path: 'a.ts', content: 'x' })]);
    });

    it('merges args key by key, later frames winning, and ignores empty args', () => {
      const events = foldBodies(
        [
          toolCall({ callId: 'c1', name: 'run_terminal_cmd', status: 'running', args: { command: 'np' } }),
          toolCall({ callId: 'c1', status: 'running', args: { command: 'npm test', cwd: '/w' } }),
          toolCall({ callId: 'c1', status: 'running', args: { background: false } }),
          toolCall({ callId: 'c1', status: 'running', args: {} }),
          toolCall({ callId: 'c1', status: 'running', args: null }),
          thinking(),
        ],
        runningState(),
      );
      expect(events[0]).toEqual(
        toolUse(1, 'run_terminal_cmd', { command: 'npm test', cwd: '/w', background: false }),
      );
    });

    it('parses args sent as JSON text and keeps other non-object args under `value`', () => {
      const events = foldBodies(
        [
          toolCall({ callId: 'c1', name: 'a', status: 'running', args: '{"path":"x"}' }),
          toolCall({ callId: 'c2', name: 'b', status: 'running', args: 'not json' }),
          thinking(),
        ],
        runningState(),
      );
      expect(events.slice(0, 2)).toEqual([
        toolUse(1, 'a', { path: 'x' }),
        toolUse(2, 'b', { value: 'not json' }),
      ]);
    });

    it('emits the tool_use once, even when more frames of the call arrive after it was flushed', () => {
      const events = foldBodies(
        [
          toolCall({ callId: 'c1', name: 'grep_search', status: 'running', args: { q: 'a' } }),
          assistant('searching'),
          toolCall({ callId: 'c1', name: 'grep_search', status: 'running', args: { q: 'ab' } }),
          toolCall({ callId: 'c1', name: 'grep_search', status: 'completed', result: '3 matches' }),
        ],
        runningState(),
      );
      expect(events).toEqual([
        toolUse(1, 'grep_search', { q: 'a' }),
        message('searching'),
        toolResult(1, '3 matches'),
      ]);
    });

    it('keeps parallel calls pending side by side and flushes them in first-seen order', () => {
      const events = foldBodies(
        [
          toolCall({ callId: 'c1', name: 'read_file', status: 'running', args: { path: 'a' } }),
          toolCall({ callId: 'c2', name: 'read_file', status: 'running', args: { path: 'b' } }),
          toolCall({ callId: 'c1', name: 'read_file', status: 'running', args: { path: 'a', lines: 10 } }),
          resultFrame('FINISHED'),
        ],
        runningState(),
      );
      expect(events).toEqual([
        toolUse(1, 'read_file', { path: 'a', lines: 10 }),
        toolUse(2, 'read_file', { path: 'b' }),
      ]);
    });

    it('emits pending tool uses when the run settles', () => {
      const events = foldBodies(
        [
          toolCall({ callId: 'c1', name: 'delete_file', status: 'running', args: { path: 'x' } }),
          record.settled('CANCELLED'),
        ],
        runningState(),
      );
      expect(events).toEqual([toolUse(1, 'delete_file', { path: 'x' }), idle]);
    });

    it('reports a tool_call without callId and emits nothing for it', () => {
      const { events, notes } = foldAll([toolCall({ name: 'read_file', status: 'running' })], runningState());
      expect(events).toEqual([]);
      expect(notes).toEqual([{ kind: 'malformed_frame', frameType: 'tool_call', reason: 'missing callId' }]);
    });
  });

  describe('tool_call completed', () => {
    it('points tool_use_id at the tool_use event, whose id is its own event id (Cursor’s callId stays raw)', () => {
      const { events } = foldAll(
        [
          toolCall({ callId: 'c1', name: 'read_file', status: 'running', args: { path: 'a' } }),
          assistant('reading'), // raw seq 4: flushes the tool use
          // raw seq 5: flushes the text (event 0), then the result (event 1)
          toolCall({ callId: 'c1', name: 'read_file', status: 'completed', result: 'r' }),
        ],
        runningState(),
      );
      const [use, , result] = events;
      expect(use).toMatchObject({ type: 'agent.tool_use', id: eventId(SESSION, 4, 0) });
      expect(result).toMatchObject({
        type: 'agent.tool_result',
        tool_use_id: use.id,
        id: eventId(SESSION, 5, 1),
      });
    });

    it('emits the tool_use first when not yet emitted, then the tool_result', () => {
      const events = foldBodies(
        [
          toolCall({ callId: 'c1', name: 'read_file', status: 'running', args: { path: 'a' } }),
          toolCall({
            callId: 'c1',
            name: 'read_file',
            status: 'completed',
            args: { path: 'a', limit: 5 },
            result: 'text',
          }),
        ],
        runningState(),
      );
      expect(events).toEqual([toolUse(1, 'read_file', { path: 'a', limit: 5 }), toolResult(1, 'text')]);
    });

    it('handles a completion with no running frame before it', () => {
      expect(
        foldBodies(
          [toolCall({ callId: 'c9', name: 'mcp', status: 'completed', args: { tool: 't' }, result: 'r' })],
          runningState(),
        ),
      ).toEqual([toolUse(1, 'mcp', { tool: 't' }), toolResult(1, 'r')]);
    });

    it('renders an object result as its JSON and a missing result as empty text', () => {
      const events = foldBodies(
        [
          toolCall({ callId: 'c1', name: 'grep_search', status: 'completed', result: { matches: [1, 2] } }),
          toolCall({ callId: 'c2', name: 'grep_search', status: 'completed' }),
        ],
        runningState(),
      );
      expect(events.filter((event) => event.type === 'agent.tool_result')).toEqual([
        toolResult(1, '{"matches":[1,2]}'),
        toolResult(2, ''),
      ]);
    });

    it.each<[string, Record<string, unknown>, boolean]>([
      ['a plain string result', { status: 'completed', result: 'error: nothing found' }, false],
      [
        'a result object without failure marks',
        { status: 'completed', result: { success: true, output: 'ok' } },
        false,
      ],
      ['a result object with error', { status: 'completed', result: { error: 'ENOENT' } }, true],
      [
        'a result object with error: null',
        { status: 'completed', result: { error: null, output: 'ok' } },
        false,
      ],
      ['a result object with success: false', { status: 'completed', result: { success: false } }, true],
      ['a result object with isError: true', { status: 'completed', result: { isError: true } }, true],
      ['a result object with status failed', { status: 'completed', result: { status: 'failed' } }, true],
      ['a result object with status Error', { status: 'completed', result: { status: 'Error' } }, true],
      ['a frame-level error next to the result', { status: 'completed', error: 'tool crashed' }, true],
      ['a frame status error', { status: 'error', result: 'boom' }, true],
      ['a frame status failed', { status: 'failed' }, true],
    ])('decides is_error for %s', (_case, data, isError) => {
      const events = foldBodies(
        [toolCall({ callId: 'c1', name: 'run_terminal_cmd', ...data })],
        runningState(),
      );
      expect(events[1]).toMatchObject({
        type: 'agent.tool_result',
        tool_use_id: toolUseLabel(1),
        is_error: isError,
      });
    });

    it('uses a frame-level error as the result text when there is no result', () => {
      const events = foldBodies(
        [toolCall({ callId: 'c1', name: 'x', status: 'failed', error: { code: 'E' } })],
        runningState(),
      );
      expect(events[1]).toEqual(toolResult(1, '{"code":"E"}', true));
    });

    it('does not duplicate events for a duplicated completion or a late running frame', () => {
      const completed = toolCall({ callId: 'c1', name: 'read_file', status: 'completed', result: 'r' });
      const events = foldBodies(
        [
          completed,
          completed,
          toolCall({ callId: 'c1', name: 'read_file', status: 'running', args: { late: true } }),
        ],
        runningState(),
      );
      expect(events).toEqual([toolUse(1, 'read_file', {}), toolResult(1, 'r')]);
    });

    it('treats an unknown tool status as still running', () => {
      const events = foldBodies(
        [toolCall({ callId: 'c1', name: 'x', status: 'queued' }), thinking()],
        runningState(),
      );
      expect(events).toEqual([toolUse(1, 'x', {}), thought]);
    });
  });

  describe('result frame', () => {
    it('only flushes: the terminal events come from run.settled', () => {
      for (const value of ['FINISHED', 'CANCELLED', 'ERROR', 'EXPIRED']) {
        expect(foldBodies([assistant('text'), resultFrame(value)], runningState())).toEqual([
          message('text'),
        ]);
      }
    });
  });

  describe('error frames', () => {
    it('emits nothing for stream_unavailable (the runner reconnects)', () => {
      expect(foldBodies([errorFrame('stream_unavailable', 'gone'), done()], runningState())).toEqual([]);
    });

    it.each([
      ['unauthorized', 'authentication_error', 'terminal'],
      ['api_key_not_found', 'authentication_error', 'terminal'],
      ['plan_required', 'billing_error', 'terminal'],
      ['rate_limit_exceeded', 'model_rate_limited_error', 'retrying'],
      ['internal_error', 'model_request_failed_error', 'terminal'],
      ['validation_error', 'invalid_request_error', 'terminal'],
      ['something_new', 'unknown_error', 'terminal'],
      ['constructor', 'unknown_error', 'terminal'],
    ])('maps error code %s to session.error of type %s', (code, type, retry) => {
      const events = foldBodies([assistant('before'), errorFrame(code, 'Cursor says no')], runningState());
      expect(events).toEqual([
        message('before'),
        { type: 'session.error', error: { type, message: 'Cursor says no', retry_status: { type: retry } } },
      ]);
    });

    it('names the code when the error frame has no message', () => {
      expect(foldBodies([frame('error', { code: 'upstream_error' })], runningState())).toEqual([
        {
          type: 'session.error',
          error: {
            type: 'model_request_failed_error',
            message: 'Cursor reported "upstream_error" on the run stream.',
            retry_status: { type: 'terminal' },
          },
        },
      ]);
    });
  });

  describe('frames that emit nothing', () => {
    it('emits nothing for interaction_update, heartbeat and done', () => {
      const { events, notes } = foldAll([interactionUpdate(), heartbeat(), done()], runningState());
      expect(events).toEqual([]);
      expect(notes).toEqual([]);
    });

    it('emits nothing for an unknown frame type and reports it for the metric', () => {
      const { events, notes } = foldAll([frame('usage_report', { tokens: 5 })], runningState());
      expect(events).toEqual([]);
      expect(notes).toEqual([{ kind: 'unknown_frame', frameType: 'usage_report' }]);
    });
  });

  describe('run.settled', () => {
    it.each(['FINISHED', 'CANCELLED', 'finished'])('goes idle with end_turn for %s', (value) => {
      expect(foldBodies([record.settled(value)], runningState())).toEqual([idle]);
    });

    it('reports a failed run with its text, then goes idle', () => {
      expect(
        foldBodies(
          [assistant('trying'), record.settled('ERROR', { text: 'Repository not accessible' })],
          runningState(),
        ),
      ).toEqual([
        message('trying'),
        {
          type: 'session.error',
          error: {
            type: 'model_request_failed_error',
            message: 'Repository not accessible',
            retry_status: { type: 'terminal' },
          },
        },
        idle,
      ]);
    });

    it.each(['EXPIRED', 'ERROR', 'SOMETHING_ELSE'])(
      'names the status %s when a failed run has no text',
      (value) => {
        const events = foldBodies([record.settled(value, { source: 'get_run' })], runningState());
        expect(events).toHaveLength(2);
        expect(events[0]).toMatchObject({
          type: 'session.error',
          error: { type: 'model_request_failed_error', retry_status: { type: 'terminal' } },
        });
        expect((events[0] as Extract<SessionEventBody, { type: 'session.error' }>).error.message).toContain(
          value,
        );
        expect(events[1]).toEqual(idle);
      },
    );

    it('announces the branches and pull requests with session.updated before going idle', () => {
      const events = foldBodies(
        [
          record.settled('FINISHED', {
            branches: [
              {
                repoUrl: 'github.com/acme/app',
                branch: 'cursor/fix',
                prUrl: 'https://github.com/acme/app/pull/7',
              },
              { repoUrl: 'github.com/acme/lib', branch: 'cursor/lib' },
              { repoUrl: 'github.com/acme/empty' },
            ],
          }),
        ],
        runningState(),
      );
      expect(events).toEqual([
        {
          type: 'session.updated',
          outputs: {
            cursor_run_id: RUN,
            branches: [
              {
                repository: 'github.com/acme/app',
                branch: 'cursor/fix',
                pr_url: 'https://github.com/acme/app/pull/7',
              },
              { repository: 'github.com/acme/lib', branch: 'cursor/lib' },
            ],
          },
        },
        idle,
      ]);
    });

    it('turns the result text of a run whose text never reached the stream into its agent.message (410)', () => {
      const branches = [{ repoUrl: 'github.com/acme/app', branch: 'cursor/fix' }];
      expect(
        foldBodies(
          [record.settled('FINISHED', { source: 'get_run', text: 'Fixed the tests.', branches })],
          runningState(),
        ),
      ).toEqual([
        message('Fixed the tests.'),
        {
          type: 'session.updated',
          outputs: {
            cursor_run_id: RUN,
            branches: [{ repository: 'github.com/acme/app', branch: 'cursor/fix' }],
          },
        },
        idle,
      ]);
      expect(
        foldBodies([record.settled('CANCELLED', { source: 'get_run', text: 'Stopped.' })], runningState()),
      ).toEqual([message('Stopped.'), idle]);
    });

    it('does not repeat a result text whose deltas were streamed, even across messages', () => {
      expect(
        foldBodies(
          [
            assistant('Looking.'),
            thinking(),
            assistant('Done.'),
            record.settled('FINISHED', { text: 'Looking.Done.' }),
          ],
          runningState(),
        ),
      ).toEqual([message('Looking.'), thought, message('Done.'), idle]);
    });

    it("keeps a failed run's text for the session.error only", () => {
      const events = foldBodies([record.settled('ERROR', { text: 'Could not clone' })], runningState());
      expect(events.map((event) => event.type)).toEqual(['session.error', 'session.status_idle']);
    });

    it('assumes the text was streamed for a run state saved before that was tracked', () => {
      const state = runningState();
      delete state.run!.streamedText;
      expect(foldBodies([record.settled('FINISHED', { text: 'Already shown' })], state)).toEqual([idle]);
    });

    it('emits no session.updated for an empty branch list', () => {
      expect(foldBodies([record.settled('FINISHED', { branches: [] })], runningState())).toEqual([idle]);
    });

    it('emits nothing when the same run settles twice, nor for late frames of a settled run', () => {
      const settled = foldAll([record.settled('FINISHED')], runningState()).state;
      const { events, notes } = foldAll(
        [record.settled('FINISHED'), status('RUNNING'), assistant('late'), record.settled('ERROR')],
        settled,
      );
      expect(events).toEqual([]);
      expect(notes).toEqual([
        { kind: 'late_frame', frameType: 'status', runId: RUN },
        { kind: 'late_frame', frameType: 'assistant', runId: RUN },
      ]);
    });

    it('ignores frames of an older run once a newer one is current', () => {
      const state = foldAll([record.runCreated('run-2')], runningState()).state;
      const { events, notes } = foldAll([assistant('from run-1')], state);
      expect(events).toEqual([]);
      expect(notes).toEqual([{ kind: 'late_frame', frameType: 'assistant', runId: RUN }]);
    });
  });

  describe('runner.error', () => {
    it('flushes, reports the error as terminal, then goes idle', () => {
      const events = foldBodies(
        [
          assistant('half'),
          record.runnerError('authentication_error', 'The Cursor API key was rejected (401).'),
        ],
        runningState(),
      );
      expect(events).toEqual([
        message('half'),
        {
          type: 'session.error',
          error: {
            type: 'authentication_error',
            message: 'The Cursor API key was rejected (401).',
            retry_status: { type: 'terminal' },
          },
        },
        idle,
      ]);
    });

    it('works before any run exists and maps an unknown type to unknown_error', () => {
      expect(foldBodies([record.message('go'), record.runnerError('disk_on_fire', 'no')]).slice(1)).toEqual([
        {
          type: 'session.error',
          error: { type: 'unknown_error', message: 'no', retry_status: { type: 'terminal' } },
        },
        idle,
      ]);
    });

    it('clears the run, so a resumed stream of it announces running again', () => {
      const state = foldAll(
        [record.runnerError('credential_host_unreachable_error', 'down')],
        runningState(),
      ).state;
      expect(state.run).toBeNull();
      expect(foldBodies([status('RUNNING'), assistant('back')], state)).toEqual([running]);
    });
  });

  describe('a realistic run', () => {
    const sequence: RawRecord[] = [
      record.message('Fix the failing test'),
      record.agentCreated(),
      status('RUNNING'),
      thinking(),
      interactionUpdate('thinking-delta'),
      thinking(),
      assistant('I will look '),
      interactionUpdate('text-delta'),
      assistant('at the test '),
      interactionUpdate('text-delta'),
      heartbeat(),
      assistant('first.'),
      interactionUpdate('text-delta'),
      toolCall({ callId: 'call_1', name: 'read_file', status: 'running' }),
      toolCall({ callId: 'call_1', name: 'read_file', status: 'running', args: { path: 'src/a.spec.ts' } }),
      interactionUpdate('step-started'),
      toolCall({
        callId: 'call_1',
        name: 'read_file',
        status: 'running',
        args: { path: 'src/a.spec.ts', limit: 200 },
      }),
      toolCall({
        callId: 'call_1',
        name: 'read_file',
        status: 'completed',
        args: { path: 'src/a.spec.ts', limit: 200 },
        result: { contents: 'it(...)' },
      }),
      interactionUpdate('step-completed'),
      assistant('Fixed '),
      assistant('it.'),
      interactionUpdate('text-delta'),
      resultFrame('FINISHED'),
      record.settled('FINISHED', {
        branches: [
          {
            repoUrl: 'https://github.com/acme/app',
            branch: 'cursor/fix-test',
            prUrl: 'https://github.com/acme/app/pull/1',
          },
        ],
      }),
      done(),
    ];

    it('yields exactly the expected events', () => {
      expect(foldBodies(sequence)).toEqual([
        { type: 'user.message', content: [{ type: 'text', text: 'Fix the failing test' }] },
        { type: 'session.updated', outputs: { cursor_agent_id: AGENT, cursor_run_id: RUN } },
        running,
        thought,
        message('I will look at the test first.'),
        toolUse(1, 'read_file', { path: 'src/a.spec.ts', limit: 200 }),
        toolResult(1, '{"contents":"it(...)"}'),
        message('Fixed it.'),
        {
          type: 'session.updated',
          outputs: {
            cursor_run_id: RUN,
            branches: [
              {
                repository: 'https://github.com/acme/app',
                branch: 'cursor/fix-test',
                pr_url: 'https://github.com/acme/app/pull/1',
              },
            ],
          },
        },
        idle,
      ]);
    });

    it('has nothing to report: every frame type is known and belongs to the live run', () => {
      expect(foldAll(sequence).notes).toEqual([]);
    });

    it('gives each event the id of its record and position', () => {
      const { events } = foldAll(sequence);
      // user.message comes from raw seq 1, session.updated from 2, status_running from 3, the message
      // from the tool_call at 14, tool_use + tool_result from the completion at 18.
      expect(events[0].id).toBe(eventId(SESSION, 1, 0));
      expect(events[1].id).toBe(eventId(SESSION, 2, 0));
      expect(events[2].id).toBe(eventId(SESSION, 3, 0));
      expect(events[4].id).toBe(eventId(SESSION, 14, 0));
      expect([events[5].id, events[6].id]).toEqual([eventId(SESSION, 18, 0), eventId(SESSION, 18, 1)]);
      expect(events[6]).toMatchObject({ type: 'agent.tool_result', tool_use_id: events[5].id });
      expect(new Set(events.map((event) => event.id)).size).toBe(events.length);
    });

    it('folds frames recorded together (one cursor.frames record) into the same events as one by one', () => {
      // What a runner records when frames arrive while it is still writing the ones before: runs of
      // frames with ids share a record, the id-less ones (status, heartbeat, done) stay alone.
      const grouped: RawRecord[] = [];
      for (const raw of sequence) {
        const previous = grouped[grouped.length - 1];
        const id = raw.kind === 'cursor.frame' ? raw.frame.id : null;
        if (raw.kind !== 'cursor.frame' || id === null) grouped.push(raw);
        else if (previous?.kind === 'cursor.frames') previous.frames.push({ ...raw.frame, id });
        else if (previous?.kind === 'cursor.frame' && previous.frame.id !== null) {
          grouped[grouped.length - 1] = {
            ...previous,
            kind: 'cursor.frames',
            frames: [
              { ...previous.frame, id: previous.frame.id },
              { ...raw.frame, id },
            ],
          };
        } else grouped.push(raw);
      }
      expect(grouped.length).toBeLessThan(sequence.length - 10);

      const folded = foldAll(grouped);
      expect(bodies(folded.events)).toEqual(foldBodies(sequence));
      expect(folded.notes).toEqual([]);
      // Every event of a record is numbered within that record: 0, 1, 2, … after its raw sequence.
      let state = initialFoldState();
      let severalFromOneRecord = false;
      grouped.forEach((raw, index) => {
        const result = foldRecord(state, raw, index + 1, SESSION, PROCESSED_AT);
        expect(result.events.map((event) => event.id)).toEqual(
          result.events.map((_, i) => eventId(SESSION, index + 1, i)),
        );
        if (raw.kind === 'cursor.frames' && result.events.length > 1) severalFromOneRecord = true;
        state = result.state;
      });
      expect(severalFromOneRecord).toBe(true);
    });

    it('replayed from the initial state gives identical events and ids', () => {
      expect(JSON.stringify(foldAll(sequence))).toBe(JSON.stringify(foldAll(sequence)));
    });

    it('gives the same output when the state goes through JSON between every record (a KV round trip)', () => {
      const inOneGo = foldAll(sequence);
      let state = initialFoldState();
      const events: SessionEvent[] = [];
      sequence.forEach((raw, index) => {
        const result = foldRecord(state, raw, index + 1, SESSION, PROCESSED_AT);
        events.push(...result.events);
        state = JSON.parse(JSON.stringify(result.state)) as FoldState;
      });
      expect(events).toEqual(inOneGo.events);
      expect(state).toEqual(inOneGo.state);
    });

    it('refolding any record from the state before it gives the same events (crash before the KV update)', () => {
      let state = initialFoldState();
      sequence.forEach((raw, index) => {
        const first = foldRecord(state, raw, index + 1, SESSION, PROCESSED_AT);
        const again = foldRecord(state, raw, index + 1, SESSION, PROCESSED_AT);
        expect(again).toEqual(first);
        state = first.state;
      });
    });
  });

  it('keeps the state from growing over many runs', () => {
    const oneRun = (runId: string): RawRecord[] => [
      record.message('go'),
      record.runCreated(runId),
      status('RUNNING', runId),
      ...Array.from({ length: 20 }, (_, i) => [
        frame(
          'tool_call',
          { callId: `${runId}-c${i}`, name: 'read_file', status: 'running', args: { path: `f${i}` } },
          runId,
        ),
        frame(
          'tool_call',
          { callId: `${runId}-c${i}`, name: 'read_file', status: 'completed', result: 'x'.repeat(100) },
          runId,
        ),
        frame('assistant', { text: 'some text ' }, runId),
      ]).flat(),
      record.settled('FINISHED', {}, runId),
    ];
    let state = initialFoldState();
    const sizes: number[] = [];
    for (let run = 100; run < 300; run++) {
      state = foldAll(oneRun(`run-${run}`), state).state;
      // The sequence number gains digits over time; everything else must stay the same size.
      sizes.push(JSON.stringify({ ...state, lastRawSeq: 0 }).length);
    }
    expect(state.run).toBeNull();
    expect(state.lastSettledRunId).toBe('run-299');
    expect(Math.max(...sizes)).toBe(Math.min(...sizes));
    expect(Math.max(...sizes)).toBeLessThan(200);
  });
});

describe('classifyRawRecord', () => {
  const state = { ...initialFoldState(), lastRawSeq: 10 };

  it('folds a record whose predecessor was the last one folded', () => {
    expect(classifyRawRecord(state, 11, 10)).toBe('fold');
    expect(classifyRawRecord(state, 15, 10)).toBe('fold');
    expect(classifyRawRecord(initialFoldState(), 1, 0)).toBe('fold');
  });

  it('calls a record at or before the last folded sequence a duplicate', () => {
    expect(classifyRawRecord(state, 10, 9)).toBe('duplicate');
    expect(classifyRawRecord(state, 3, 2)).toBe('duplicate');
  });

  it('calls a record whose predecessor has not been folded yet ahead', () => {
    expect(classifyRawRecord(state, 13, 12)).toBe('ahead');
  });
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
