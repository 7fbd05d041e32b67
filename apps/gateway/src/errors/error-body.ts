/**
 * The two error envelopes: routes under `/v1/` speak the Anthropic Managed Agents API (whose SDK reads
 * `{"type":"error","error":{…}}`); every other route speaks LAP's `{"error":{…}}`.
 */
export interface LapErrorBody {
  error: { type: string; message: string };
}

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
}

export function isAnthropicRoute(path: string): boolean {
  return path === '/v1' || path.startsWith('/v1/');
}

export function errorBody(path: string, type: string, message: string): LapErrorBody | AnthropicErrorBody {
  return isAnthropicRoute(path) ? { type: 'error', error: { type, message } } : { error: { type, message } };
}
