import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { AuthenticatedRequest } from '../auth/api-key.guard';
import { EmulatorStore } from '../store/emulator-store';
import { StatsService } from '../stats/stats.service';
import { FaultsService } from './faults.service';

/**
 * Answers a request with an owed error (429 / 5xx): first global ones, then those of the agent the
 * route names. Runs after `ApiKeyGuard`, so the caller is known.
 */
@Injectable()
export class RequestFaultGuard implements CanActivate {
  constructor(
    private readonly faults: FaultsService,
    private readonly store: EmulatorStore,
    private readonly stats: StatsService,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    let error = this.faults.globalRequestFaults.take();
    const agentId = req.params?.agentId;
    if (!error && typeof agentId === 'string' && req.caller) {
      error = this.store.findOwnedAgent(req.caller.owner, agentId)?.requestFaults?.take();
    }
    if (!error) return true;
    this.stats.recordFault(error.status === 429 ? 'rate_limit' : 'http_5xx');
    throw error;
  }
}
