import { z } from 'zod';
import { PROMETHEUS_TEXT_CONTENT_TYPE } from '@lap/service-runtime';
import { componentSchemas, schemaRef } from './component-schemas';
import { ROUTE_CATALOG, type RouteDescription } from './route-catalog';

type JsonSchema = Record<string, unknown>;

/** The OpenAPI 3.1 description of every route, built once from the route catalog. */
export function buildOpenApiDocument(): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTE_CATALOG) {
    (paths[route.path] ??= {})[route.method] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Cursor agent gateway',
      version: '0.1.0',
      description:
        'Drives Cursor Cloud Agents through two APIs over one domain model: the Anthropic Managed Agents API ' +
        '(`/v1/agents`, `/v1/environments`, `/v1/sessions`; errors as `{"type":"error","error":{…}}`) and the ' +
        'LiteLLM Agent Platform routes (`/api/…`, `/session`; errors as `{"error":{…}}`).',
    },
    tags: [{ name: 'Managed Agents' }, { name: 'LAP' }, { name: 'Events' }, { name: 'Service' }],
    components: {
      schemas: componentSchemas,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        queryKey: { type: 'apiKey', in: 'query', name: 'key' },
      },
    },
    paths,
  };
}

function operation(route: RouteDescription): JsonSchema {
  const pathParameters = [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  const auth = route.auth ?? 'key';
  const status = String(route.status ?? 200);
  const errorBody = route.path.startsWith('/v1/') ? 'AnthropicError' : 'LapError';
  return {
    tags: [route.tag],
    summary: route.summary,
    ...(route.description && { description: route.description }),
    security:
      auth === 'none'
        ? []
        : [{ bearer: [] }, { apiKey: [] }, ...(auth === 'key-or-query' ? [{ queryKey: [] }] : [])],
    parameters: [
      ...pathParameters,
      ...(route.query ? queryParameters(route.query) : []),
      ...(route.response === 'sse'
        ? [{ name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'string' } }]
        : []),
    ],
    ...(route.body && {
      requestBody: { required: true, content: { 'application/json': { schema: jsonSchemaOf(route.body) } } },
    }),
    responses: {
      [status]: responseOf(route),
      default: {
        description: 'error',
        content: { 'application/json': { schema: schemaRef(errorBody) } },
      },
    },
  };
}

function responseOf(route: RouteDescription): JsonSchema {
  if (route.response === null) return { description: 'no content' };
  if (route.response === 'sse') {
    return {
      description: 'an SSE stream of events',
      content: { 'text/event-stream': { schema: { type: 'string' } } },
    };
  }
  if (route.response === 'prometheus') {
    return {
      description: 'the Prometheus text format',
      content: { [PROMETHEUS_TEXT_CONTENT_TYPE]: { schema: { type: 'string' } } },
    };
  }
  return { description: 'OK', content: { 'application/json': { schema: route.response } } };
}

function queryParameters(query: z.ZodObject): JsonSchema[] {
  return Object.entries(query.shape).map(([name, field]) => ({
    name,
    in: 'query',
    required: false,
    schema: jsonSchemaOf(field as z.ZodType),
  }));
}

function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return rest;
}
