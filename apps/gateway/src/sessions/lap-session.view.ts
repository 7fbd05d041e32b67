import type { SessionOutputs } from '@lap/contracts';
import type { SessionEntity, SessionEnvironment, SessionStatus } from './session.entity';

/** A session as LAP's OpenCode-style `/session` routes return it. */
export interface LapSessionView {
  id: string;
  title: string | null;
  agent_id: string;
  owner_id: string;
  runtime: string;
  /** Cursor's agent id, once the runner created it. */
  provider_session_id: string | null;
  /** Cursor's current run id. */
  provider_run_id: string | null;
  status: SessionStatus;
  environment: SessionEnvironment;
  outputs: SessionOutputs;
  time: { created: string; updated: string };
}

export function toLapSessionView(session: SessionEntity): LapSessionView {
  return {
    id: session.id,
    title: session.title,
    agent_id: session.agentId,
    owner_id: session.ownerId,
    runtime: session.runtime,
    provider_session_id: session.outputs.cursor_agent_id ?? null,
    provider_run_id: session.outputs.cursor_run_id ?? null,
    status: session.status,
    environment: session.environment,
    outputs: session.outputs,
    time: { created: session.createdAt.toISOString(), updated: session.updatedAt.toISOString() },
  };
}
