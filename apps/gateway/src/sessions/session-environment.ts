import type { CursorDefaults } from '../environments/environment.entity';
import type { GithubRepositoryResourceInput } from './managed-session.schemas';
import type { SessionEnvironment } from './session.entity';

/**
 * Where a Managed Agents session works: its `github_repository` resource if it names one, else the
 * environment's Cursor defaults; `auto_create_pr` from the request, else the environment's.
 */
export function sessionEnvironmentFrom(
  defaults: CursorDefaults,
  repository: GithubRepositoryResourceInput | undefined,
  autoCreatePr: boolean | undefined,
): SessionEnvironment {
  const auto_create_pr = autoCreatePr ?? defaults.auto_create_pr;
  if (!repository) return { repository: defaults.repository, ref: defaults.ref, auto_create_pr };
  const checkout = repository.checkout;
  if (!checkout) return { repository: repository.url, ref: null, auto_create_pr };
  return checkout.type === 'commit'
    ? { repository: repository.url, ref: checkout.sha, ref_kind: 'commit', auto_create_pr }
    : { repository: repository.url, ref: checkout.name, ref_kind: 'branch', auto_create_pr };
}
