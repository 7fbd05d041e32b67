import { startScenario, type ScenarioName } from '@lap/cursor-emulator';
import type { SessionOutputs } from '@lap/contracts';
import type { EventSummary } from './event-summary';

export interface ExpectedTurn {
  /** The user's message as sent (directives included: the session log keeps the text verbatim). */
  prompt: string;
  scenario: ScenarioName;
  /** The label the run gets in summaries: `run#1` for the session's first run, and so on. */
  runLabel: string;
  /** For a file-editing run: the branches the run's `session.updated` announces. */
  branches?: SessionOutputs['branches'];
  /** How a scenario that never ends by itself (`hang`) is ended by the test. */
  endedBy?: 'interrupt';
}

/**
 * The events one user message must yield when the emulator plays `scenario`, read off the emulator's
 * own script (so no text is typed twice) with the README's mapping table:
 * `status RUNNING` → `session.status_running`; a stretch of `thinking` → one `agent.thinking`; the
 * assistant deltas between two other meaningful frames → one `agent.message`; a tool call → one
 * `agent.tool_use` with its last (fullest) args, then `agent.tool_result`; the end of the run →
 * `session.updated` with its branches when it edited files, `session.error` when it failed, then
 * `session.status_idle`. `interaction_update` and `heartbeat` frames yield nothing.
 */
export function expectedTurn(turn: ExpectedTurn): EventSummary[] {
  const events: EventSummary[] = [
    { type: 'user.message', text: turn.prompt },
    { type: 'session.updated', outputs: { cursor_agent_id: 'agent', cursor_run_id: turn.runLabel } },
  ];
  let text = '';
  let thinking = false;
  let running = false;
  const flushText = () => {
    if (text) events.push({ type: 'agent.message', text });
    text = '';
  };
  const script = startScenario(turn.scenario, { runId: 'run-expected', promptText: turn.prompt });
  for (let step = script.next(); !step.done; step = script.next()) {
    const value = step.value;
    if (value.kind === 'hang') {
      if (turn.endedBy !== 'interrupt') throw new Error(`scenario ${turn.scenario} needs an interrupt`);
      flushText();
      events.push({ type: 'user.interrupt' }, { type: 'session.status_idle', stop_reason: 'end_turn' });
      return events;
    }
    if (value.kind === 'finish') {
      flushText();
      if (value.editsFiles) {
        events.push({
          type: 'session.updated',
          outputs: { cursor_run_id: turn.runLabel, branches: turn.branches },
        });
      }
      if (value.status === 'ERROR') {
        events.push({
          type: 'session.error',
          error_type: 'model_request_failed_error',
          message: value.errorText ?? '',
          retry_status: 'terminal',
        });
      }
      events.push({ type: 'session.status_idle', stop_reason: 'end_turn' });
      return events;
    }
    const { event, data } = value;
    if (event === 'status' && data.status === 'RUNNING' && !running) {
      running = true;
      events.push({ type: 'session.status_running' });
    } else if (event === 'thinking' && !thinking) {
      flushText();
      thinking = true;
      events.push({ type: 'agent.thinking' });
    } else if (event === 'assistant') {
      thinking = false;
      text += String(data.text);
    } else if (event === 'tool_call') {
      flushText();
      thinking = false;
      if (data.status === 'completed') {
        const result = data.result as Record<string, unknown>;
        events.push(
          { type: 'agent.tool_use', name: String(data.name), input: data.args as Record<string, unknown> },
          {
            type: 'agent.tool_result',
            text: JSON.stringify(result),
            is_error: result.success === false,
          },
        );
      }
    }
  }
  throw new Error(`scenario ${turn.scenario} ended without finishing its run`);
}
