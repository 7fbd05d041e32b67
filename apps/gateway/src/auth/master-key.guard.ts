import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'crypto';
import type { Request } from 'express';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { ApiError } from '../errors/api-error';
import { ALLOW_QUERY_KEY } from './allow-query-key.decorator';
import { PUBLIC_ROUTE } from './public.decorator';
import type { AuthenticatedRequest } from './current-principal.decorator';
import { MASTER_KEY_PRINCIPAL } from './principal';

/** Probes answered without a key (their controller comes from @lap/service-runtime, so matched by path). */
const PUBLIC_PATHS = new Set(['/health', '/readyz']);

/**
 * Every route needs the master key: `Authorization: Bearer <key>` or `x-api-key: <key>` (what the
 * Anthropic SDK sends), or `?key=` on routes marked with @AllowQueryKey.
 */
@Injectable()
export class MasterKeyGuard implements CanActivate {
  private readonly masterKeyDigest: Buffer;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly reflector: Reflector,
  ) {
    this.masterKeyDigest = digest(config.LAP_MASTER_KEY);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request & AuthenticatedRequest>();
    if (PUBLIC_PATHS.has(request.path)) return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const allowQueryKey = this.reflector.getAllAndOverride<boolean>(ALLOW_QUERY_KEY, targets);
    const presented = presentedKeys(request, allowQueryKey === true);
    if (presented.length === 0) {
      throw new ApiError(401, 'missing API key: send "Authorization: Bearer <key>" or "x-api-key: <key>"');
    }
    if (!presented.some((key) => this.matches(key))) throw new ApiError(401, 'invalid API key');
    request.principal = MASTER_KEY_PRINCIPAL;
    return true;
  }

  /** Compares digests, so the time taken says nothing about the key's content or length. */
  private matches(key: string): boolean {
    return timingSafeEqual(digest(key), this.masterKeyDigest);
  }
}

function presentedKeys(request: Request, allowQueryKey: boolean): string[] {
  const keys: string[] = [];
  const bearer = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1]?.trim();
  if (bearer) keys.push(bearer);
  const apiKey = request.headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey !== '') keys.push(apiKey);
  const queryKey = (request.query as Record<string, unknown>).key;
  if (allowQueryKey && typeof queryKey === 'string' && queryKey !== '') keys.push(queryKey);
  return keys;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
