/**
 * Response shapes, written by hand (request shapes come from the zod schemas the routes validate
 * with). Managed Agents objects follow `@anthropic-ai/sdk`'s `client.beta` types.
 */
type JsonSchema = Record<string, unknown>;

const str = { type: 'string' };
const nullableStr = { type: ['string', 'null'] };
const time = { type: 'string', format: 'date-time' };
const nullableTime = { type: ['string', 'null'], format: 'date-time' };
const stringMap = { type: 'object', additionalProperties: { type: 'string' } };
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const object = (properties: Record<string, unknown>, required = Object.keys(properties)): JsonSchema => ({
  type: 'object',
  properties,
  required,
});

export const componentSchemas: Record<string, JsonSchema> = {
  AnthropicError: object({
    type: { const: 'error' },
    error: object({ type: str, message: str }),
  }),
  LapError: object({ error: object({ type: str, message: str }) }),

  ManagedAgent: object({
    type: { const: 'agent' },
    id: { type: 'string', pattern: '^agent_' },
    name: str,
    description: nullableStr,
    model: object({ id: str }),
    system: nullableStr,
    tools: { type: 'array', items: { type: 'object' } },
    mcp_servers: { type: 'array', items: { type: 'object' } },
    skills: { type: 'array', maxItems: 0 },
    multiagent: { type: 'null' },
    metadata: stringMap,
    version: { type: 'integer' },
    runtime: { type: 'string', description: 'extension: the runtime sessions run on (cursor)' },
    created_at: time,
    updated_at: time,
    archived_at: nullableTime,
  }),
  Environment: object({
    type: { const: 'environment' },
    id: { type: 'string', pattern: '^env_' },
    name: str,
    description: nullableStr,
    config: object({
      type: { const: 'cloud' },
      networking: { type: 'object' },
      packages: { type: 'object' },
      cursor: {
        ...object({ repository: nullableStr, ref: nullableStr, auto_create_pr: { type: 'boolean' } }),
        description: 'extension: what sessions in this environment default to',
      },
    }),
    metadata: stringMap,
    scope: { const: 'account' },
    created_at: time,
    updated_at: time,
    archived_at: nullableTime,
  }),
  ManagedSession: object({
    type: { const: 'session' },
    id: { type: 'string', pattern: '^sesn_' },
    agent: { type: 'object', description: 'the agent as it was when the session started' },
    environment_id: { ...nullableStr, description: 'null for sessions created through POST /session' },
    status: { enum: ['idle', 'running', 'terminated'] },
    title: nullableStr,
    metadata: stringMap,
    resources: {
      type: 'array',
      items: object({
        type: { const: 'github_repository' },
        id: str,
        url: str,
        checkout: { type: ['object', 'null'] },
        mount_path: { type: 'null' },
        created_at: time,
        updated_at: time,
      }),
    },
    stats: object({ duration_seconds: { type: 'integer' } }),
    usage: { type: 'object', description: 'Cursor reports no token usage' },
    budget: { type: 'null' },
    outcome_evaluations: { type: 'array', maxItems: 0 },
    vault_ids: { type: 'array', maxItems: 0 },
    auto_create_pr: { type: 'boolean', description: 'extension' },
    outputs: { type: 'object', description: "extension: Cursor's agent and run ids, branches, PR url" },
    created_at: time,
    updated_at: time,
    archived_at: nullableTime,
  }),
  SessionEvent: {
    ...object({ id: { type: 'string', pattern: '^sevt_' }, type: str, processed_at: time }),
    additionalProperties: true,
    description:
      'A Managed Agents event: session.status_running|status_idle|status_terminated|error|updated|deleted, ' +
      'agent.message|thinking|tool_use|tool_result, user.message|interrupt',
  },
  AcceptedEvent: object(
    {
      id: { type: 'string', description: 'the command id (cmd_…); the logged event gets its own sevt_ id' },
      type: { enum: ['user.message', 'user.interrupt'] },
      content: { type: 'array' },
      processed_at: { type: 'null' },
    },
    ['id', 'type', 'processed_at'],
  ),
  Deleted: object({ id: str, type: { enum: ['session_deleted', 'environment_deleted'] } }),

  LapRuntimes: object({
    runtimes: {
      type: 'array',
      items: object({
        id: str,
        name: str,
        default_api_base: str,
        connected: { type: 'boolean' },
        api_base: nullableStr,
        masked_api_key: { ...nullableStr, description: 'e.g. …abcd; the key itself is never returned' },
      }),
    },
  }),
  LapCredential: object({ runtime: str, api_base: str, masked_api_key: str, updated_at: time }),
  LapAgent: object({
    id: str,
    name: str,
    owner_id: str,
    model: str,
    system: nullableStr,
    description: nullableStr,
    runtime: str,
    config: object({ runtime: str }),
    metadata: stringMap,
    version: { type: 'integer' },
    status: { enum: ['active', 'archived'] },
    created_at: time,
    updated_at: time,
  }),
  LapSession: object({
    id: str,
    title: nullableStr,
    agent_id: str,
    owner_id: str,
    runtime: str,
    provider_session_id: nullableStr,
    provider_run_id: nullableStr,
    status: { enum: ['pending', 'running', 'idle', 'error', 'terminated'] },
    environment: object({ repository: nullableStr, ref: nullableStr, auto_create_pr: { type: 'boolean' } }),
    outputs: { type: 'object' },
    time: object({ created: time, updated: time }),
  }),
  Ok: object({ ok: { const: true } }),
};

export const schemaRef = ref;

/** `{data, next_page}` (and `prev_page` where the list goes both ways) of one item schema. */
export function pageOf(item: string, withPrev = false): JsonSchema {
  return object({
    data: { type: 'array', items: ref(item) },
    next_page: nullableStr,
    ...(withPrev && { prev_page: nullableStr }),
  });
}
