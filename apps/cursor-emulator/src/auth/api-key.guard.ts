import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { CursorHttpError } from '../errors/cursor-http-error';
import { EMULATOR_OPTIONS, type EmulatorOptions } from '../emulator-options';

/** Who is calling, without the key itself: a hash scopes their agents, the last characters name them. */
export interface Caller {
  owner: string;
  keyHint: string;
}

export type AuthenticatedRequest = Request & { caller: Caller };

/** Keys starting with this get 403 `plan_required`, so clients can exercise that path. */
export const PLAN_REQUIRED_KEY_PREFIX = 'plan-required';
/** Keys starting with this get 401 `unauthorized`, like those listed in `rejectedApiKeys`. */
export const REJECTED_KEY_PREFIX = 'rejected';

/** Cursor's auth: the key as Basic user (empty password) or as a Bearer token. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(@Inject(EMULATOR_OPTIONS) private readonly options: EmulatorOptions) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const key = readApiKey(req.headers.authorization);
    if (!key) throw new CursorHttpError(401, 'unauthorized', 'Missing API key');
    if (key.startsWith(REJECTED_KEY_PREFIX) || this.options.rejectedApiKeys.includes(key)) {
      throw new CursorHttpError(401, 'unauthorized', 'Invalid API key');
    }
    if (key.startsWith(PLAN_REQUIRED_KEY_PREFIX)) {
      throw new CursorHttpError(403, 'plan_required', 'Cloud Agents require a paid plan');
    }
    req.caller = {
      owner: createHash('sha256').update(key).digest('base64url').slice(0, 22),
      keyHint: key.slice(-4),
    };
    return true;
  }
}

function readApiKey(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, value = ''] = header.trim().split(/\s+/, 2);
  if (/^bearer$/i.test(scheme)) return value || undefined;
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value, 'base64').toString();
    const colon = decoded.indexOf(':');
    return (colon === -1 ? decoded : decoded.slice(0, colon)) || undefined;
  }
  return undefined;
}
