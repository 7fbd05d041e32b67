import { DEFAULT_CURSOR_API_BASE, RUNTIMES, type RuntimeId } from '@lap/contracts';
import { ApiError } from '../errors/api-error';

/** A runtime the gateway can run sessions on. */
export interface RuntimeDescriptor {
  id: RuntimeId;
  name: string;
  defaultApiBase: string;
}

const DESCRIPTORS: Record<RuntimeId, RuntimeDescriptor> = {
  cursor: { id: 'cursor', name: 'Cursor', defaultApiBase: DEFAULT_CURSOR_API_BASE },
};

export const RUNTIME_CATALOG: readonly RuntimeDescriptor[] = RUNTIMES.map((id) => DESCRIPTORS[id]);

export function isKnownRuntime(id: string): id is RuntimeId {
  return (RUNTIMES as readonly string[]).includes(id);
}

/** The runtime, or an error naming the ones available (404 for a path segment, 400 for a body field). */
export function requireRuntime(id: string, status: 400 | 404): RuntimeDescriptor {
  if (isKnownRuntime(id)) return DESCRIPTORS[id];
  throw new ApiError(status, unknownRuntimeMessage(id));
}

export function unknownRuntimeMessage(id: string): string {
  return `unknown runtime "${id}"; available: ${RUNTIMES.join(', ')}`;
}

/** The runtime a Managed Agents agent gets when it names none. */
export const DEFAULT_RUNTIME: RuntimeId = 'cursor';
