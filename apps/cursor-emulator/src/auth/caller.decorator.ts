import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { AuthenticatedRequest, Caller as CallerIdentity } from './api-key.guard';

/** The caller `ApiKeyGuard` identified. */
export const Caller = createParamDecorator(
  (_: unknown, context: ExecutionContext): CallerIdentity =>
    context.switchToHttp().getRequest<AuthenticatedRequest>().caller,
);
