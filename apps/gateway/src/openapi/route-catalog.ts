import type { z } from 'zod';
import { createAgentSchema, listAgentsQuerySchema, updateAgentSchema } from '../agents/agent.schemas';
import {
  createManagedAgentSchema,
  listManagedAgentsQuerySchema,
  retrieveManagedAgentQuerySchema,
  updateManagedAgentSchema,
} from '../agents/managed-agent.schemas';
import {
  createEnvironmentSchema,
  listEnvironmentsQuerySchema,
  updateEnvironmentSchema,
} from '../environments/environment.schemas';
import { listEventsQuerySchema, sendEventsSchema, streamQuerySchema } from '../events/event.schemas';
import { putCredentialsSchema } from '../runtimes/runtime.schemas';
import {
  createManagedSessionSchema,
  listManagedSessionsQuerySchema,
  updateManagedSessionSchema,
} from '../sessions/managed-session.schemas';
import { createSessionSchema, promptSchema } from '../sessions/session.schemas';
import { pageOf, schemaRef } from './component-schemas';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** One route the gateway serves, described for the OpenAPI document. */
export interface RouteDescription {
  method: HttpMethod;
  /** OpenAPI style: `/v1/sessions/{id}`. */
  path: string;
  tag: 'Managed Agents' | 'LAP' | 'Events' | 'Service';
  summary: string;
  description?: string;
  /** `key` (the default): Bearer or x-api-key; `key-or-query`: also `?key=`; `none`: public. */
  auth?: 'key' | 'key-or-query' | 'none';
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Success status; 200 unless said. */
  status?: number;
  /**
   * JSON response schema; null for an empty answer; `sse` for an event stream; `prometheus` for the
   * Prometheus text format.
   */
  response: Record<string, unknown> | null | 'sse' | 'prometheus';
}

const ma = 'Managed Agents' as const;

/** Every route, in one place: a test checks that each route the app registers is described here. */
export const ROUTE_CATALOG: readonly RouteDescription[] = [
  // Service
  {
    method: 'get',
    path: '/health',
    tag: 'Service',
    summary: 'Liveness',
    auth: 'none',
    response: { type: 'object' },
  },
  {
    method: 'get',
    path: '/readyz',
    tag: 'Service',
    summary: 'Readiness: PostgreSQL and NATS answer',
    auth: 'none',
    response: { type: 'object' },
  },
  {
    method: 'get',
    path: '/metrics',
    tag: 'Service',
    summary: "This replica's live fan-out and projection figures (Prometheus text format)",
    auth: 'none',
    response: 'prometheus',
  },
  {
    method: 'get',
    path: '/openapi.json',
    tag: 'Service',
    summary: 'This document',
    auth: 'none',
    response: { type: 'object' },
  },

  // Managed Agents: agents
  {
    method: 'post',
    path: '/v1/agents',
    tag: ma,
    summary: 'Create an agent',
    body: createManagedAgentSchema,
    response: schemaRef('ManagedAgent'),
  },
  {
    method: 'get',
    path: '/v1/agents',
    tag: ma,
    summary: 'List agents, newest first',
    query: listManagedAgentsQuerySchema,
    response: pageOf('ManagedAgent'),
  },
  {
    method: 'get',
    path: '/v1/agents/{id}',
    tag: ma,
    summary: 'Retrieve an agent (archived ones too)',
    query: retrieveManagedAgentQuerySchema,
    response: schemaRef('ManagedAgent'),
  },
  {
    method: 'post',
    path: '/v1/agents/{id}',
    tag: ma,
    summary: 'Update an agent',
    description: 'With `version`, a caller that read an older version gets 409 instead of overwriting.',
    body: updateManagedAgentSchema,
    response: schemaRef('ManagedAgent'),
  },
  {
    method: 'post',
    path: '/v1/agents/{id}/archive',
    tag: ma,
    summary: 'Archive an agent',
    response: schemaRef('ManagedAgent'),
  },

  // Managed Agents: environments
  {
    method: 'post',
    path: '/v1/environments',
    tag: ma,
    summary: 'Create an environment',
    description:
      '`config.cursor` (extension) holds the repository, ref and auto_create_pr sessions default to.',
    body: createEnvironmentSchema,
    response: schemaRef('Environment'),
  },
  {
    method: 'get',
    path: '/v1/environments',
    tag: ma,
    summary: 'List environments, newest first',
    query: listEnvironmentsQuerySchema,
    response: pageOf('Environment'),
  },
  {
    method: 'get',
    path: '/v1/environments/{id}',
    tag: ma,
    summary: 'Retrieve an environment',
    response: schemaRef('Environment'),
  },
  {
    method: 'post',
    path: '/v1/environments/{id}',
    tag: ma,
    summary: 'Update an environment',
    body: updateEnvironmentSchema,
    response: schemaRef('Environment'),
  },
  {
    method: 'post',
    path: '/v1/environments/{id}/archive',
    tag: ma,
    summary: 'Archive an environment: no new sessions may use it',
    response: schemaRef('Environment'),
  },
  {
    method: 'delete',
    path: '/v1/environments/{id}',
    tag: ma,
    summary: 'Delete an environment',
    response: schemaRef('Deleted'),
  },

  // Managed Agents: sessions
  {
    method: 'post',
    path: '/v1/sessions',
    tag: ma,
    summary: 'Create a session',
    description:
      'A `github_repository` resource names the repository and its checkout; `initial_events` with a ' +
      '`user.message` starts the run at once; `auto_create_pr` (extension) lets Cursor open a pull request.',
    body: createManagedSessionSchema,
    response: schemaRef('ManagedSession'),
  },
  {
    method: 'get',
    path: '/v1/sessions',
    tag: ma,
    summary: 'List sessions',
    query: listManagedSessionsQuerySchema,
    response: pageOf('ManagedSession', true),
  },
  {
    method: 'get',
    path: '/v1/sessions/{id}',
    tag: ma,
    summary: 'Retrieve a session',
    response: schemaRef('ManagedSession'),
  },
  {
    method: 'post',
    path: '/v1/sessions/{id}',
    tag: ma,
    summary: 'Update a session (title, metadata)',
    body: updateManagedSessionSchema,
    response: schemaRef('ManagedSession'),
  },
  {
    method: 'delete',
    path: '/v1/sessions/{id}',
    tag: ma,
    summary: 'Delete a session (a live run is interrupted)',
    response: schemaRef('Deleted'),
  },
  {
    method: 'post',
    path: '/v1/sessions/{id}/archive',
    tag: ma,
    summary: 'Archive a session: still readable, takes no more input',
    response: schemaRef('ManagedSession'),
  },
  {
    method: 'post',
    path: '/v1/sessions/{id}/events',
    tag: ma,
    summary:
      'Send events: user.message (a run, or a follow-up queued behind the live one) and user.interrupt',
    body: sendEventsSchema,
    response: { type: 'object', properties: { data: { type: 'array', items: schemaRef('AcceptedEvent') } } },
  },

  // Events: both families
  {
    method: 'get',
    path: '/v1/sessions/{id}/events',
    tag: 'Events',
    summary: "List a session's events (cursor pagination: pass next_page as ?page=)",
    auth: 'key-or-query',
    query: listEventsQuerySchema,
    response: pageOf('SessionEvent'),
  },
  {
    method: 'get',
    path: '/v1/sessions/{id}/events/stream',
    tag: 'Events',
    summary: "Stream a session's events (SSE)",
    description:
      'Every frame has `id:` (the event position), `event:` (its type) and `data:` (the event). Without a ' +
      'position the stream replays the session from its start, then follows it live; `Last-Event-ID` ' +
      '(or `?after=`) continues exactly after that event; `?live_only=true` starts at the current end. ' +
      '`: keepalive` comments at least every 15 s; `event: error` only when the stream fails on our side.',
    auth: 'key-or-query',
    query: streamQuerySchema,
    response: 'sse',
  },

  // LAP: runtimes and credentials
  {
    method: 'get',
    path: '/api/agent-runtimes',
    tag: 'LAP',
    summary: 'List runtimes',
    response: schemaRef('LapRuntimes'),
  },
  {
    method: 'put',
    path: '/api/agent-runtimes/{runtime}/credentials',
    tag: 'LAP',
    summary: 'Store the runtime API key (encrypted; answered masked)',
    body: putCredentialsSchema,
    response: schemaRef('LapRuntimes'),
  },
  {
    method: 'get',
    path: '/api/agent-runtimes/{runtime}/credentials',
    tag: 'LAP',
    summary: 'The stored credential, masked',
    response: schemaRef('LapCredential'),
  },
  {
    method: 'delete',
    path: '/api/agent-runtimes/{runtime}/credentials',
    tag: 'LAP',
    summary: 'Remove the stored credential',
    response: schemaRef('Ok'),
  },

  // LAP: agents
  {
    method: 'post',
    path: '/api/agents',
    tag: 'LAP',
    summary: 'Create an agent',
    body: createAgentSchema,
    status: 201,
    response: schemaRef('LapAgent'),
  },
  {
    method: 'get',
    path: '/api/agents',
    tag: 'LAP',
    summary: 'List agents',
    query: listAgentsQuerySchema,
    response: { type: 'object', properties: { agents: { type: 'array', items: schemaRef('LapAgent') } } },
  },
  {
    method: 'get',
    path: '/api/agents/{id}',
    tag: 'LAP',
    summary: 'Get an agent',
    response: schemaRef('LapAgent'),
  },
  {
    method: 'patch',
    path: '/api/agents/{id}',
    tag: 'LAP',
    summary: 'Update an agent',
    body: updateAgentSchema,
    response: schemaRef('LapAgent'),
  },
  {
    method: 'delete',
    path: '/api/agents/{id}',
    tag: 'LAP',
    summary: 'Delete (archive) an agent',
    response: schemaRef('Ok'),
  },

  // LAP: sessions
  {
    method: 'post',
    path: '/session',
    tag: 'LAP',
    summary: 'Create a session; with `prompt` the run starts at once',
    body: createSessionSchema,
    status: 201,
    response: schemaRef('LapSession'),
  },
  {
    method: 'get',
    path: '/session',
    tag: 'LAP',
    summary: 'List sessions',
    response: { type: 'array', items: schemaRef('LapSession') },
  },
  {
    method: 'get',
    path: '/session/{id}',
    tag: 'LAP',
    summary: 'Get a session',
    response: schemaRef('LapSession'),
  },
  {
    method: 'delete',
    path: '/session/{id}',
    tag: 'LAP',
    summary: 'Delete a session (a live run is interrupted)',
    response: schemaRef('Ok'),
  },
  {
    method: 'post',
    path: '/session/{id}/prompt_async',
    tag: 'LAP',
    summary: 'Send a follow-up message',
    body: promptSchema,
    status: 204,
    response: null,
  },
  {
    method: 'post',
    path: '/session/{id}/interrupt',
    tag: 'LAP',
    summary: 'Stop the live run',
    status: 204,
    response: null,
  },
  {
    method: 'post',
    path: '/session/{id}/abort',
    tag: 'LAP',
    summary: 'Stop the live run (OpenCode name)',
    status: 204,
    response: null,
  },
];
